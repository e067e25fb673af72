import PreloadCore
/// A DNS record type this resolver can ask for.
public enum DNSRecordType: UInt16, Sendable, Hashable, Codable, CustomStringConvertible {
    case a = 1
    case cname = 5
    case soa = 6
    case mx = 15
    case txt = 16
    case aaaa = 28
    case tlsa = 52

    public var description: String {
        switch self {
        case .a: "A"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .tlsa: "TLSA"
        }
    }
}

/// The outcome of one query. "Not found" is kept apart from "lookup failed": NXDOMAIN and no data are
/// facts about the domain, SERVFAIL and timeout are failures to learn them.
public enum DNSOutcome<Record: Sendable & Hashable>: Sendable, Hashable {
    /// The records of the answer (never empty), in the order the resolver returned them.
    case records([Record])
    /// The name does not exist (RCODE 3).
    case nxdomain
    /// The name exists but has no records of this type (NOERROR, empty answer).
    case noData
    /// The resolver could not get an answer (RCODE 2), with its reason when it gave one
    /// (a DNSSEC validation failure, an unreachable upstream).
    case servfail(String)
    /// No answer within the query's deadline.
    case timeout
    /// Any other failure: another RCODE (REFUSED…), a local resolver error, or record data that does not parse.
    case failed(String)

    /// The records, or an empty array for every other outcome.
    public var records: [Record] {
        if case .records(let r) = self { return r }
        return []
    }

    /// Whether the lookup failed (SERVFAIL, timeout, other error): the data is unknown, not absent.
    public var isFailure: Bool {
        switch self {
        case .records, .nxdomain, .noData: false
        case .servfail, .timeout, .failed: true
        }
    }
}

/// The answer to one query: the question, the outcome, and what DNSSEC said about it.
public struct DNSAnswer<Record: Sendable & Hashable>: Sendable, Hashable {
    /// The name asked for, as given.
    public var name: String
    /// The type asked for.
    public var type: DNSRecordType
    /// Records, NXDOMAIN, no data, SERVFAIL, timeout or another failure.
    public var outcome: DNSOutcome<Record>
    /// The validation status (``DNSSECStatus/unvalidated`` without a trust anchor or when no answer came).
    public var dnssec: DNSSECStatus
    /// The name the answer is for after following CNAMEs, when it differs from `name` (no trailing dot).
    public var canonicalName: String?
    /// The answer's TTL in seconds, when there is one.
    public var ttl: Int?

    /// An answer value (used by the resolver and by fakes in tests).
    public init(
        name: String, type: DNSRecordType, outcome: DNSOutcome<Record>, dnssec: DNSSECStatus = .unvalidated,
        canonicalName: String? = nil, ttl: Int? = nil
    ) {
        self.name = name
        self.type = type
        self.outcome = outcome
        self.dnssec = dnssec
        self.canonicalName = canonicalName
        self.ttl = ttl
    }

    /// The records, or an empty array for every other outcome.
    public var records: [Record] { outcome.records }
}

/// Whether the configured resolver answers at all (see ``DNSResolver/checkReachable(timeout:)``).
public enum DNSReachability: Sendable, Hashable {
    /// The upstream answered (any answer, even NXDOMAIN or a DNSSEC failure).
    case reachable
    /// No answer came: the upstream is down, refuses us, or is not configured; with the reason.
    case unreachable(String)
}
