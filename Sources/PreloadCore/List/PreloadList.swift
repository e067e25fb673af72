/// How a domain is enforced through the list: `enforce` (senders require authenticated TLS) or
/// `testing` (senders log failures and deliver anyway).
public enum ListMode: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case enforce
    case testing
    public static func < (l: ListMode, r: ListMode) -> Bool { l.rawValue < r.rawValue }
}

/// How a domain was admitted to the list.
public enum AdmissionMethod: String, Sendable, Codable, CaseIterable, Hashable {
    /// Patterns and mode follow the domain's own MTA-STS policy.
    case mtaSTS = "mta-sts"
    /// Patterns given by the submitter or taken from the MX host names.
    case manual
    /// Imported from EFF's STARTTLS Everywhere list (v0.1).
    case effImport = "eff-import"
}

/// Where an entry came from and when it was last confirmed.
public struct Provenance: Hashable, Sendable, Codable {
    public var method: AdmissionMethod
    /// When the domain entered the list.
    public var added: Timestamp
    /// When a validation last passed.
    public var verified: Timestamp

    public init(method: AdmissionMethod, added: Timestamp, verified: Timestamp) {
        self.method = method
        self.added = added
        self.verified = verified
    }
}

/// A TLS policy shared by many domains (a mail provider's MX set), referenced by name.
public struct AliasPolicy: Hashable, Sendable, Codable {
    public var mode: ListMode
    public var mx: [MXPattern]
    public init(mode: ListMode, mx: [MXPattern]) {
        self.mode = mode
        self.mx = mx
    }
}

/// What an entry enforces: its own patterns, or a provider alias.
public enum EntryPolicy: Hashable, Sendable {
    case patterns(mode: ListMode, mx: [MXPattern])
    case alias(String)
}

/// One domain in the list.
public struct ListEntry: Hashable, Sendable {
    public var domain: DomainName
    public var policy: EntryPolicy
    public var provenance: Provenance

    public init(domain: DomainName, policy: EntryPolicy, provenance: Provenance) {
        self.domain = domain
        self.policy = policy
        self.provenance = provenance
    }
}

/// A preload list, format v1 (see `policy-schema/README.md`).
///
/// This value is unverified data; only the verifier in the client turns signed bytes into a list that
/// may be consulted.
public struct PreloadList: Hashable, Sendable {
    /// The format version this code writes.
    public static let schemaVersion = 1

    /// Strictly increasing from one published list to the next; rollback protection compares it.
    public var serial: UInt64
    public var generated: Timestamp
    public var expires: Timestamp
    public var publisher: String
    /// Provider aliases by name.
    public var aliases: [String: AliasPolicy]
    /// Entries, sorted by domain, no duplicates.
    public var entries: [ListEntry]

    public init(serial: UInt64, generated: Timestamp, expires: Timestamp, publisher: String,
                aliases: [String: AliasPolicy] = [:], entries: [ListEntry]) {
        self.serial = serial
        self.generated = generated
        self.expires = expires
        self.publisher = publisher
        self.aliases = aliases
        self.entries = entries
    }

    /// The mode and patterns an entry enforces, resolving its alias.
    public func resolvedPolicy(of entry: ListEntry) -> AliasPolicy? {
        switch entry.policy {
        case .patterns(let mode, let mx): AliasPolicy(mode: mode, mx: mx)
        case .alias(let name): aliases[name]
        }
    }
}
