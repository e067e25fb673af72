import PreloadCore

/// What a publish produced.
public struct PublishedListInfo: Sendable, Hashable, Codable {
    /// The list's serial number.
    public var serial: UInt64
    /// When the list was generated.
    public var generated: Timestamp
    /// When it expires.
    public var expires: Timestamp
    /// How many domains the list has.
    public var domains: Int
    /// The commit that holds the list, when there is one.
    public var commit: String?

    /// Creates a value; see the properties.
    public init(serial: UInt64, generated: Timestamp, expires: Timestamp, domains: Int, commit: String?) {
        self.serial = serial
        self.generated = generated
        self.expires = expires
        self.domains = domains
        self.commit = commit
    }
}

/// Where `validate-all` publishes: the signed, committed list (the signing issue's `ListPublisher` in
/// production, a fake in tests).
public protocol ListPublishing: Sendable {
    /// The list currently committed, or `nil` when there is none yet.
    func committedList() async throws -> PreloadList?
    /// Signs and commits a new list with `entries` (sorted by domain), generated at `now`.
    func publish(entries: [ListEntry], now: Timestamp) async throws -> PublishedListInfo
    /// The commit that holds the list the last ``committedList()`` returned, when lists are kept in commits.
    func committedListCommit() async -> String?
}

extension ListPublishing {
    /// No commits: `nil`.
    public func committedListCommit() async -> String? { nil }
}

/// Whether to publish, and why: pure.
public enum PublishDecision: Sendable, Hashable, Codable {
    /// Publish; the reason for the summary.
    case publish(String)
    /// Nothing to do; the reason for the summary.
    case skip(String)

    /// Publishes when there is no list yet, when the content (domains, modes, patterns, provenance method)
    /// differs from the committed list, or when the committed list is past half its validity.
    public static func decide(desired: [ListEntry], committed: PreloadList?, now: Timestamp) -> PublishDecision {
        guard let committed else { return .publish("no list committed yet") }
        let change = ContentChange(from: committed, to: desired)
        if !change.isEmpty { return .publish(change.summary) }
        let half = (committed.expires.secondsSince1970 - committed.generated.secondsSince1970) / 2
        let refreshAt = committed.generated.adding(seconds: half)
        if now >= refreshAt {
            return .publish("the committed list (serial \(committed.serial)) expires on \(committed.expires.rfc3339), within half its validity")
        }
        return .skip("content unchanged; the committed list (serial \(committed.serial)) is fresh until \(refreshAt.rfc3339)")
    }
}

/// How two lists' contents differ, by domain.
public struct ContentChange: Sendable, Hashable {
    /// Domains added.
    public var added: [String] = []
    /// Domains removed.
    public var removed: [String] = []
    /// Domains whose mode, patterns or provenance changed.
    public var changed: [String] = []

    /// Compares the committed list's resolved entries with the desired ones.
    public init(from committed: PreloadList, to desired: [ListEntry]) {
        func key(_ mode: ListMode, _ mx: [MXPattern], _ method: AdmissionMethod) -> String {
            "\(mode.rawValue) \(method.rawValue) " + mx.map(\.description).sorted().joined(separator: " ")
        }
        var old: [String: String] = [:]
        for entry in committed.entries {
            let policy = committed.resolvedPolicy(of: entry)
            old[entry.domain.value] = key(policy?.mode ?? .testing, policy?.mx ?? [], entry.provenance.method)
        }
        var new: [String: String] = [:]
        for entry in desired {
            guard case .patterns(let mode, let mx) = entry.policy else { continue }
            new[entry.domain.value] = key(mode, mx, entry.provenance.method)
        }
        added = new.keys.filter { old[$0] == nil }.sorted()
        removed = old.keys.filter { new[$0] == nil }.sorted()
        changed = new.keys.filter { old[$0] != nil && old[$0] != new[$0] }.sorted()
    }

    /// Whether nothing changed.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// `+2 -1 ~1 (added a.test b.test; removed c.test; changed d.test)`.
    public var summary: String {
        var parts: [String] = []
        if !added.isEmpty { parts.append("added " + added.joined(separator: " ")) }
        if !removed.isEmpty { parts.append("removed " + removed.joined(separator: " ")) }
        if !changed.isEmpty { parts.append("changed " + changed.joined(separator: " ")) }
        return "content changed: " + parts.joined(separator: "; ")
    }
}
