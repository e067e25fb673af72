import Foundation
import PreloadCore
import PreloadSigning

/// One attempt counted for the rate limits (table `attempt`).
public struct AttemptRow: StateRow {
    public static let tableName = "attempt"
    public var id: Int64?
    public var domain: DomainName
    public var kind: AttemptKind
    public var time: Timestamp

    public init(id: Int64? = nil, domain: DomainName, kind: AttemptKind, time: Timestamp) {
        self.id = id
        self.domain = domain
        self.kind = kind
        self.time = time
    }
}

/// One confirmation mail counted for the rate limits (table `contact_mail`).
public struct ContactMailRow: StateRow {
    public static let tableName = "contact_mail"
    public var id: Int64?
    public var address: String
    public var addressDomain: String
    public var time: Timestamp

    public init(id: Int64? = nil, address: String, addressDomain: String, time: Timestamp) {
        self.id = id
        self.address = address
        self.addressDomain = addressDomain
        self.time = time
    }
}

/// A row of a table keyed by its columns (no id), mapped like a ``StateRow``.
public protocol KeyedStateRow: Codable, Sendable, Hashable {
    /// The table the row lives in.
    static var tableName: String { get }
}

/// One domain of a run's journal (table `run_item`, keyed by run and domain). Claims take a round's items
/// by `ordinal`, then by name (items of rounds started before ordinals existed all have 0).
public struct RunItemRow: KeyedStateRow {
    public static let tableName = "run_item"
    public var runId: Int64
    public var domain: DomainName
    public var done: Bool
    public var ordinal: Int64

    public init(runId: Int64, domain: DomainName, done: Bool, ordinal: Int64) {
        self.runId = runId
        self.domain = domain
        self.done = done
        self.ordinal = ordinal
    }
}

/// A worker's claim on one domain of a run for one vantage (table `run_claim`): its lease.
public struct RunClaimRow: KeyedStateRow {
    public static let tableName = "run_claim"
    public var runId: Int64
    public var domain: DomainName
    public var vantage: String
    public var holder: String
    public var expires: Timestamp

    public init(runId: Int64, domain: DomainName, vantage: String, holder: String, expires: Timestamp) {
        self.runId = runId
        self.domain = domain
        self.vantage = vantage
        self.holder = holder
        self.expires = expires
    }
}

/// A whole state, every row of every table with its id: what `preload state migrate` copies from one
/// backend to another. Rows are in key order (id, or name), so that two snapshots of the same state are
/// equal and hash alike.
public struct StateSnapshot: Codable, Sendable, Hashable {
    public var domains: [DomainRecord] = []
    public var challenges: [ChallengeRow] = []
    public var attempts: [AttemptRow] = []
    public var validations: [ValidationRow] = []
    public var events: [AuditEventRow] = []
    public var notifications: [NotificationRow] = []
    public var runs: [RunRow] = []
    public var runItems: [RunItemRow] = []
    public var runClaims: [RunClaimRow] = []
    public var publications: [PublicationRow] = []
    public var contacts: [ContactRow] = []
    public var contactMails: [ContactMailRow] = []

    public init() {}

    /// One table's row count and the SHA-256 of its rows' canonical JSON (sorted keys).
    public struct TableChecksum: Codable, Sendable, Hashable {
        public var table: String
        public var rows: Int
        public var sha256: String
    }

    /// Each table's checksum, in table order.
    public func checksums() throws -> [TableChecksum] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func entry<T: Encodable>(_ table: String, _ rows: [T]) throws -> TableChecksum {
            TableChecksum(table: table, rows: rows.count, sha256: try Digest.sha256Hex(Array(try encoder.encode(rows))))
        }
        return [
            try entry("domain", domains), try entry("challenge", challenges), try entry("attempt", attempts),
            try entry("validation", validations), try entry("audit_event", events),
            try entry("notification", notifications), try entry("run", runs), try entry("run_item", runItems),
            try entry("run_claim", runClaims), try entry("publication", publications), try entry("contact", contacts),
            try entry("contact_mail", contactMails),
        ]
    }

    /// How many rows the state holds in all.
    public var rowCount: Int {
        domains.count + challenges.count + attempts.count + validations.count + events.count + notifications.count
            + runs.count + runItems.count + runClaims.count + publications.count + contacts.count + contactMails.count
    }

    /// Puts every table in key order.
    public mutating func sort() {
        func byId<R: StateRow>(_ rows: inout [R]) { rows.sort { ($0.id ?? 0) < ($1.id ?? 0) } }
        domains.sort { $0.domain.value.utf8.lexicographicallyPrecedes($1.domain.value.utf8) }
        byId(&challenges); byId(&attempts); byId(&validations); byId(&events); byId(&notifications); byId(&runs)
        runItems.sort { $0.runId < $1.runId
            || ($0.runId == $1.runId && $0.domain.value.utf8.lexicographicallyPrecedes($1.domain.value.utf8)) }
        runClaims.sort { ($0.runId, $0.domain.value, $0.vantage) < ($1.runId, $1.domain.value, $1.vantage) }
        byId(&publications); byId(&contacts); byId(&contactMails)
    }
}
