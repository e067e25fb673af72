import PreloadCore
import PreloadState

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

/// One domain's lifecycle record: its state and everything the rules need to decide the next one.
///
/// The record is its stored row, ``DomainRow`` (where each field is documented), seen with the domain
/// name, state and reason typed: `record.contact`, `record.patterns`, `record.failingSince`… read and
/// write the row's fields, and ``row`` is what is saved. The fields are listed once, in the row.
@dynamicMemberLookup
public struct DomainRecord: Sendable, Hashable {
    /// The domain name.
    public var domain: DomainName
    /// The lifecycle state.
    public var state: LifecycleState
    /// Why it is in `state` (the last step's reason).
    public var reason: TransitionReason
    /// The other fields. Its `name`, `state` and `reason` are not read: ``row`` takes them from the typed
    /// properties above.
    private var fields: DomainRow

    /// A field of the stored row (``DomainRow``).
    public subscript<T>(dynamicMember field: WritableKeyPath<DomainRow, T>) -> T {
        get { row[keyPath: field] }
        set { fields[keyPath: field] = newValue }
    }

    /// The row that stores this record.
    public var row: DomainRow {
        var row = fields
        row.name = domain.value
        row.state = state.rawValue
        row.reason = reason.rawValue
        return row
    }

    /// Creates a value: a domain entering `state` at `since` with the submission `terms`.
    public init(domain: DomainName, state: LifecycleState, since: Timestamp, reason: TransitionReason,
                detail: String = "", terms: SubmissionTerms) {
        self.domain = domain
        self.state = state
        self.reason = reason
        fields = DomainRow(name: domain.value, state: state.rawValue, since: since, reason: reason.rawValue, detail: detail,
                           contact: terms.contact, requestedMode: terms.requestedMode, mode: terms.requestedMode,
                           patterns: terms.patterns, provenance: terms.provenance, added: nil, lastVerified: nil,
                           probationSince: nil, passingValidations: 0, failingSince: nil)
    }

    /// The record a stored row holds.
    public init(row: DomainRow) throws(CorruptStateError) {
        guard let domain = try? DomainName(row.name) else { throw CorruptStateError(what: "an invalid domain '\(row.name)'") }
        guard let state = LifecycleState(rawValue: row.state) else {
            throw CorruptStateError(what: "an unknown state '\(row.state)' for \(row.name)")
        }
        guard let reason = TransitionReason(rawValue: row.reason) else {
            throw CorruptStateError(what: "an unknown reason '\(row.reason)' for \(row.name)")
        }
        self.domain = domain
        self.state = state
        self.reason = reason
        fields = row
    }

    public static func == (a: DomainRecord, b: DomainRecord) -> Bool { a.row == b.row }
    public func hash(into hasher: inout Hasher) { hasher.combine(row) }

    /// The submission terms this record holds.
    public var terms: SubmissionTerms {
        SubmissionTerms(contact: self.contact, requestedMode: self.requestedMode, patterns: self.patterns,
                        provenance: self.provenance)
    }

    /// The list entry for this record, when it belongs in the list.
    public var listEntry: ListEntry? {
        guard state.isInList else { return nil }
        let added = self.added ?? self.since
        return ListEntry(domain: domain, policy: .patterns(mode: self.mode, mx: self.patterns),
                         provenance: Provenance(method: self.provenance, added: added, verified: self.lastVerified ?? added))
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
