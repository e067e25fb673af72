import PreloadCore

/// What a submitter asks for: who to tell, which mode, which MX patterns and where they came from.
public struct SubmissionTerms: Sendable, Hashable, Codable {
    /// The contact's email address.
    public var contact: String
    /// The mode asked for; an `mta-sts` entry never goes beyond its policy's own mode.
    public var requestedMode: ListMode
    /// The MX patterns to list.
    public var patterns: [MXPattern]
    /// `mta-sts` (patterns follow the domain's policy) or `manual`.
    public var provenance: AdmissionMethod

    /// Creates a value; see the properties.
    public init(contact: String, requestedMode: ListMode, patterns: [MXPattern], provenance: AdmissionMethod) {
        self.contact = contact
        self.requestedMode = requestedMode
        self.patterns = patterns.sorted()
        self.provenance = provenance
    }
}

/// One domain's lifecycle record: its state and everything the rules need to decide the next one. It is
/// also what the state stores for the domain (table `domain`, one column per field; the name in column
/// `name`).
public struct DomainRecord: Sendable, Hashable, Codable {
    /// The domain name.
    public var domain: DomainName
    /// The lifecycle state.
    public var state: LifecycleState
    /// When the current state was entered.
    public var since: Timestamp
    /// Why it is in `state` (the last step's reason).
    public var reason: TransitionReason
    /// The explanation that goes with the reason.
    public var detail: String
    /// The contact's email address.
    public var contact: String
    /// The mode asked for at submission.
    public var requestedMode: ListMode
    /// The list mode (`enforce` or `testing`).
    public var mode: ListMode
    /// The MX patterns, sorted.
    public var patterns: [MXPattern]
    /// Where the patterns come from: `mta-sts` or `manual`.
    public var provenance: AdmissionMethod
    /// When the domain (last) entered the list.
    public var added: Timestamp?
    /// When a validation last passed.
    public var lastVerified: Timestamp?
    /// When the current probation period started.
    public var probationSince: Timestamp?
    /// Passing validations since the probation period started.
    public var passingValidations: Int
    /// When the current run of failed validations started.
    public var failingSince: Timestamp?

    enum CodingKeys: String, CodingKey {
        case domain = "name"
        case state, since, reason, detail, contact, requestedMode, mode, patterns, provenance, added, lastVerified
        case probationSince, passingValidations, failingSince
    }

    /// Creates a value: a domain entering `state` at `since` with the submission `terms`.
    public init(domain: DomainName, state: LifecycleState, since: Timestamp, reason: TransitionReason,
                detail: String = "", terms: SubmissionTerms) {
        self.domain = domain
        self.state = state
        self.since = since
        self.reason = reason
        self.detail = detail
        contact = terms.contact
        requestedMode = terms.requestedMode
        mode = terms.requestedMode
        patterns = terms.patterns
        provenance = terms.provenance
        passingValidations = 0
    }

    /// A domain `listed` since `now` that passed its probation (15 days, 4 passing validations) in
    /// enforce mode with MX pattern `*.DOMAIN` from its MTA-STS policy: the record benchmarks and tests
    /// seed straight into a state (`submit` is rate-limited by design).
    public static func seededListed(_ domain: DomainName, contact: String, now: Timestamp, detail: String) throws -> DomainRecord {
        var r = DomainRecord(domain: domain, state: .listed, since: now, reason: .probationPassed, detail: detail,
                             terms: SubmissionTerms(contact: contact, requestedMode: .enforce,
                                                    patterns: [try MXPattern("*.\(domain.value)")], provenance: .mtaSTS))
        (r.added, r.lastVerified, r.probationSince, r.passingValidations) = (now, now, now.adding(days: -15), 4)
        return r
    }

    /// The submission terms this record holds.
    public var terms: SubmissionTerms {
        SubmissionTerms(contact: contact, requestedMode: requestedMode, patterns: patterns, provenance: provenance)
    }

    /// The list entry for this record, when it belongs in the list.
    public var listEntry: ListEntry? {
        guard state.isInList else { return nil }
        let added = self.added ?? since
        return ListEntry(domain: domain, policy: .patterns(mode: mode, mx: patterns),
                         provenance: Provenance(method: provenance, added: added, verified: lastVerified ?? added))
    }
}

extension ListMode {
    /// The list mode matching an MTA-STS mode; `nil` for `none`.
    public init?(_ mode: STSMode) {
        switch mode {
        case .enforce: self = .enforce
        case .testing: self = .testing
        case .none: return nil
        }
    }

    /// The less strict of two modes (`testing` is less strict than `enforce`).
    public static func leastStrict(_ a: ListMode, _ b: ListMode) -> ListMode {
        a == .testing || b == .testing ? .testing : .enforce
    }
}
