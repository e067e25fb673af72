import PreloadCore

/// Something that happens to a domain.
public enum LifecycleEvent: Sendable, Hashable {
    /// `submit` found the domain eligible (a new or renewed submission).
    case submitted(SubmissionTerms)
    /// `submit` found the challenge record published.
    case challengeVerified(SubmissionTerms)
    /// `validate-all` validated the domain.
    case validated(ValidationOutcome)
    /// The owner proved control with a removal challenge.
    case ownerRemovalVerified
    /// A maintainer removed the domain.
    case forcedRemoval(reason: String)
    /// The published list no longer contains the domain.
    case publishedWithout
    /// An open challenge passed its expiry unproven.
    case challengeExpired(Challenge)
}

/// An audit line: why a step happened.
public struct AuditNote: Sendable, Hashable, Codable {
    /// Why the step happened.
    public var reason: TransitionReason
    /// What exactly (issue codes, new patterns, the maintainer's reason…).
    public var detail: String
    /// Creates a value; see the properties.
    public init(_ reason: TransitionReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

/// The result of applying an event: the new record, and what to log and tell the contact.
public struct LifecycleStep: Sendable, Hashable {
    /// The record after the event.
    public var record: DomainRecord
    /// The state before the event; `nil` for a domain seen for the first time.
    public var from: LifecycleState?
    /// The audit line, when the step is worth one (every state change is).
    public var audit: AuditNote?
    /// What to tell the contact, if anything.
    public var notification: NotificationKind?
    /// For a validation that was judged: whether it passed (eligible, and every MX host covered by the
    /// entry's patterns); `nil` for other events and for results that were not judged.
    public var validationPassed: Bool?

    /// Whether the state changed.
    public var stateChanged: Bool { from != record.state }
}

/// Why an event does not apply to a domain in its state.
public enum LifecycleRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The domain is already in probation, listed, failing, or asked for removal.
    case alreadyActive(LifecycleState)
    /// There is no pending submission to verify.
    case notPending(LifecycleState?)
    /// There is nothing to remove.
    case notActive(LifecycleState?)

    public var description: String {
        switch self {
        case .alreadyActive(let s): "the domain is already \(s.rawValue)"
        case .notPending(let s): "the domain has no pending submission (it is \(s?.rawValue ?? "unknown"))"
        case .notActive(let s): "the domain is not in curation (it is \(s?.rawValue ?? "unknown"))"
        }
    }
}

/// The lifecycle rules: pure functions of (record, event, now, policy).
public enum Lifecycle {
    /// Applies `event` to `record` (`nil` for an unknown domain) at `now`.
    public static func apply(_ event: LifecycleEvent, to record: DomainRecord?, domain: DomainName, now: Timestamp,
                             policy: LifecyclePolicy = .defaults) throws(LifecycleRefusal) -> LifecycleStep {
        switch event {
        case .submitted(let terms):
            return try submitted(terms, record, domain, now)
        case .challengeVerified(let terms):
            guard var r = record, r.state == .pendingVerification else { throw .notPending(record?.state) }
            r.apply(terms: terms)
            r.probationSince = now
            r.passingValidations = 0
            r.failingSince = nil
            return r.moved(to: .probation, now, AuditNote(.challengeVerified,
                "challenge record found; probation of \(policy.probationDays) days starts"), notify: .verified)
        case .validated(let outcome):
            guard let r = record else { throw .notActive(nil) }
            return validated(outcome, r, now, policy)
        case .ownerRemovalVerified:
            guard var r = record else { throw .notActive(nil) }
            switch r.state {
            case .pendingVerification, .probation:
                return r.moved(to: .removed, now, AuditNote(.ownerRemoval, "removal requested by the owner"),
                               notify: .removed)
            case .listed, .failing:
                return r.moved(to: .removalRequested, now,
                    AuditNote(.ownerRemoval, "removal requested by the owner; dropped at the next publish"),
                    notify: .removalRequested)
            case .removalRequested:
                return LifecycleStep(record: r, from: r.state, audit: nil, notification: nil)
            case .removed:
                throw .notActive(.removed)
            }
        case .forcedRemoval(let reason):
            guard var r = record, r.state != .removed else { throw .notActive(record?.state) }
            return r.moved(to: .removed, now, AuditNote(.forcedRemoval, reason), notify: .removed)
        case .publishedWithout:
            guard var r = record else { throw .notActive(nil) }
            guard r.state == .removalRequested else { return LifecycleStep(record: r, from: r.state) }
            return r.moved(to: .removed, now, AuditNote(.removedAtPublish, "the published list no longer has the domain"),
                           notify: .removed)
        case .challengeExpired(let challenge):
            guard var r = record else { throw .notActive(nil) }
            let issued = "issued \(challenge.created.rfc3339), expired \(challenge.expires.rfc3339)"
            switch (challenge.purpose, r.state) {
            case (.submit, .pendingVerification):
                // No mail: the contact of an unproven submission is not known to belong to the domain.
                return r.moved(to: .removed, now, AuditNote(.submissionExpired,
                    "the challenge record was not published in time (\(issued)); submit again to start over"), notify: nil)
            case (.remove, .pendingVerification), (.remove, .probation), (.remove, .listed), (.remove, .failing):
                return LifecycleStep(record: r, from: r.state, audit: AuditNote(.removalExpired,
                    "the removal challenge was not published in time (\(issued)); the domain stays \(r.state.rawValue)"),
                    notification: nil)
            default:
                return LifecycleStep(record: r, from: r.state)  // nothing pending any more
            }
        }
    }

    private static func submitted(_ terms: SubmissionTerms, _ record: DomainRecord?, _ domain: DomainName,
                                  _ now: Timestamp) throws(LifecycleRefusal) -> LifecycleStep {
        guard let old = record, old.state != .removed else {
            let fresh = DomainRecord(domain: domain, state: .pendingVerification, since: now, reason: .submitted,
                                     detail: "waiting for the challenge record", terms: terms)
            return LifecycleStep(record: fresh, from: record?.state, audit: AuditNote(.submitted,
                "submitted by \(terms.contact): \(terms.requestedMode.rawValue), \(terms.provenance.rawValue) patterns \(terms.patterns.map(\.description).joined(separator: " "))"))
        }
        guard old.state == .pendingVerification else { throw .alreadyActive(old.state) }
        var r = old
        r.apply(terms: terms)
        guard r != old else { return LifecycleStep(record: r, from: old.state) }
        return LifecycleStep(record: r, from: old.state, audit: AuditNote(.resubmitted,
            "terms changed: \(terms.requestedMode.rawValue), \(terms.provenance.rawValue) patterns \(terms.patterns.map(\.description).joined(separator: " ")), contact \(terms.contact)"))
    }

    private static func validated(_ outcome: ValidationOutcome, _ old: DomainRecord, _ now: Timestamp,
                                  _ policy: LifecyclePolicy) -> LifecycleStep {
        guard old.state.isValidated, !outcome.inconclusive else { return LifecycleStep(record: old, from: old.state) }
        var r = old
        if let observed = outcome.policy, observed.mode == .none {
            var step = r.moved(to: .removed, now, AuditNote(.optedOut, "the MTA-STS policy says mode: none"),
                               notify: .removed)
            step.validationPassed = false
            return step
        }
        let followed = r.follow(outcome.policy)
        let uncovered = outcome.mxHosts.filter { !MXPattern.anyMatches(r.patterns, $0) }
        let passed = outcome.eligible && uncovered.isEmpty
        var failure = outcome.errorCodes
        if !uncovered.isEmpty { failure.append(CurationIssues.mxUncovered) }
        let failureText = "failed: " + failure.map(\.rawValue).joined(separator: ", ")
            + (uncovered.isEmpty ? "" : " (not covered: \(uncovered.map(\.value).joined(separator: ", ")))")
        let followNote = followed.map { AuditNote(.policyFollowed, $0) }
        var step = judge(&r, old, passed: passed, now, policy, failureText, followNote)
        step.validationPassed = passed
        return step
    }

    private static func judge(_ r: inout DomainRecord, _ old: DomainRecord, passed: Bool, _ now: Timestamp,
                              _ policy: LifecyclePolicy, _ failureText: String, _ followNote: AuditNote?) -> LifecycleStep {
        switch (r.state, passed) {
        case (.probation, true):
            r.passingValidations += 1
            r.lastVerified = now
            r.failingSince = nil
            let start = r.probationSince ?? r.since
            if now >= start.adding(days: policy.probationDays), r.passingValidations >= policy.minPassingValidations {
                r.added = now
                return r.moved(to: .listed, now, AuditNote(.probationPassed,
                    "\(r.passingValidations) passing validations since \(start.rfc3339)"), notify: .listed)
            }
            return LifecycleStep(record: r, from: old.state, audit: followNote)
        case (.probation, false):
            let firstFailure = r.failingSince == nil
            let failingSince = r.failingSince ?? now
            r.failingSince = failingSince
            if now >= failingSince.adding(days: policy.failingGraceDays) {
                return r.moved(to: .removed, now, AuditNote(.probationFailed,
                    "failing since \(failingSince.rfc3339); " + failureText), notify: .removed)
            }
            r.probationSince = now
            r.passingValidations = 0
            r.reason = .probationRestarted
            r.detail = failureText
            return LifecycleStep(record: r, from: old.state,
                                 audit: firstFailure ? AuditNote(.probationRestarted, failureText) : followNote,
                                 notification: firstFailure ? .failing : nil)
        case (.listed, true):
            r.lastVerified = now
            return LifecycleStep(record: r, from: old.state, audit: followNote)
        case (.listed, false):
            r.failingSince = now
            return r.moved(to: .failing, now, AuditNote(.validationFailed, failureText + "; removed on "
                + now.adding(days: policy.failingGraceDays).date + " unless fixed"), notify: .failing)
        case (.failing, true):
            r.lastVerified = now
            r.failingSince = nil
            return r.moved(to: .listed, now, AuditNote(.recovered, "passing again"), notify: .listed)
        case (.failing, false):
            let failingSince = r.failingSince ?? r.since
            r.failingSince = failingSince
            if now >= failingSince.adding(days: policy.failingGraceDays) {
                return r.moved(to: .removed, now, AuditNote(.graceExpired,
                    "failing since \(failingSince.rfc3339); " + failureText), notify: .removed)
            }
            r.detail = failureText
            return LifecycleStep(record: r, from: old.state, audit: followNote)
        default:
            return LifecycleStep(record: old, from: old.state)
        }
    }
}

extension DomainRecord {
    /// Takes over new submission terms (mode, patterns, provenance, contact).
    mutating func apply(terms: SubmissionTerms) {
        self.contact = terms.contact
        self.requestedMode = terms.requestedMode
        self.mode = terms.requestedMode
        self.patterns = terms.patterns
        self.provenance = terms.provenance
    }

    /// For an `mta-sts` entry, takes over the policy's patterns and mode; returns what changed.
    mutating func follow(_ policy: STSPolicy?) -> String? {
        guard self.provenance == .mtaSTS, let policy, let policyMode = ListMode(policy.mode), !policy.mx.isEmpty else {
            return nil
        }
        let newPatterns = Array(Set(policy.mx)).sorted()
        let newMode = ListMode.leastStrict(self.requestedMode, policyMode)
        var changes: [String] = []
        if newPatterns != self.patterns {
            changes.append("patterns \(self.patterns.map(\.description).joined(separator: " ")) → \(newPatterns.map(\.description).joined(separator: " "))")
            self.patterns = newPatterns
        }
        if newMode != self.mode {
            changes.append("mode \(self.mode.rawValue) → \(newMode.rawValue)")
            self.mode = newMode
        }
        return changes.isEmpty ? nil : "follows its MTA-STS policy: " + changes.joined(separator: "; ")
    }

    /// This record moved to `state` at `now`.
    fileprivate mutating func moved(to state: LifecycleState, _ now: Timestamp, _ note: AuditNote,
                                    notify: NotificationKind?) -> LifecycleStep {
        let from = self.state
        self.state = state
        self.since = now
        reason = note.reason
        self.detail = note.detail
        return LifecycleStep(record: self, from: from, audit: note, notification: notify)
    }
}

extension LifecycleStep {
    init(record: DomainRecord, from: LifecycleState?) {
        self.init(record: record, from: from, audit: nil, notification: nil)
    }
}

/// Issue codes the curation layer adds to the checker's.
public enum CurationIssues {
    /// An MX host is not covered by the patterns of the domain's list entry.
    public static let mxUncovered: IssueCode = .curationMxUncovered
}
