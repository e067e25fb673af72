import Foundation
import GRDB
import PreloadCore

/// Where MTA-STS cache entries persist.
public protocol STSCacheStore: Sendable {
    /// Every stored entry (read once at start; the resolver keeps them in memory).
    func loadAll() async throws -> [STSCacheEntry]
    /// Inserts or replaces the entry of its domain.
    func save(_ entry: STSCacheEntry) async throws
}

/// The MTA-STS cache in SQLite (`mta-sts-cache.sqlite` in the state directory), through GRDB, whose own
/// serial queue keeps the blocking SQLite calls off Swift's cooperative pool. WAL mode: readers (such as
/// `preload resolve` while the daemon runs) never block the writer.
public final class SQLiteSTSCacheStore: STSCacheStore {
    /// The file name inside a state directory.
    public static let fileName = "mta-sts-cache.sqlite"

    private let pool: any DatabaseWriter
    private let readOnly: Bool

    /// Opens (creating if needed) the cache at `path`. With `readOnly`, the file must exist and is never
    /// written (`preload resolve` next to a running daemon): new lookups then stay in memory.
    public init(path: String, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        self.readOnly = readOnly
        if readOnly {
            configuration.readonly = true
            pool = try DatabaseQueue(path: path, configuration: configuration)
            return
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS sts_cache (
                    domain TEXT PRIMARY KEY NOT NULL,
                    policy TEXT,
                    policy_id TEXT,
                    fetched_at INTEGER,
                    valid_until INTEGER,
                    checked_at INTEGER NOT NULL,
                    discovery TEXT NOT NULL,
                    discovery_detail TEXT,
                    fetch_failed_at INTEGER,
                    fetch_failure TEXT
                )
                """)
        }
    }

    /// Opens the cache file of `stateDirectory`.
    public convenience init(stateDirectory: String, readOnly: Bool = false) throws {
        try self.init(path: (stateDirectory as NSString).appendingPathComponent(Self.fileName), readOnly: readOnly)
    }

    public func loadAll() async throws -> [STSCacheEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sts_cache ORDER BY domain").compactMap(Self.entry(from:))
        }
    }

    public func save(_ entry: STSCacheEntry) async throws {
        if readOnly { return }
        let policyJSON = try entry.policy.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let (kind, detail): (String, String?) = switch entry.discovery {
        case .record(let id): ("record", id)
        case .noRecord: ("none", nil)
        case .failed(let why): ("failed", why)
        }
        let arguments: StatementArguments = [
            entry.domain.value, policyJSON, entry.policyID, entry.fetchedAt?.secondsSince1970,
            entry.validUntil?.secondsSince1970, entry.checkedAt.secondsSince1970, kind, detail,
            entry.fetchFailedAt?.secondsSince1970, entry.fetchFailure,
        ]
        try await pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO sts_cache (domain, policy, policy_id, fetched_at, valid_until, checked_at,
                    discovery, discovery_detail, fetch_failed_at, fetch_failure)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: arguments)
        }
    }

    /// A row as an entry; `nil` for a row that no longer decodes (it is then as if never cached).
    private static func entry(from row: Row) -> STSCacheEntry? {
        guard let domainText: String = row["domain"], let domain = try? DomainName(domainText),
            let checked: Int64 = row["checked_at"], let kind: String = row["discovery"]
        else { return nil }
        let detail: String? = row["discovery_detail"]
        let discovery: STSDiscovery
        switch kind {
        case "record": discovery = .record(id: detail ?? "")
        case "none": discovery = .noRecord
        default: discovery = .failed(detail ?? "")
        }
        let policy = (row["policy"] as String?).flatMap { try? JSONDecoder().decode(STSPolicy.self, from: Data($0.utf8)) }
        func time(_ column: String) -> Timestamp? { (row[column] as Int64?).map(Timestamp.init(secondsSince1970:)) }
        return STSCacheEntry(
            domain: domain, policy: policy, policyID: row["policy_id"], fetchedAt: time("fetched_at"),
            validUntil: policy == nil ? nil : time("valid_until"), checkedAt: Timestamp(secondsSince1970: checked),
            discovery: discovery, fetchFailedAt: time("fetch_failed_at"), fetchFailure: row["fetch_failure"])
    }
}

/// A cache that keeps nothing across runs (tests, `preload resolve --no-cache`).
public actor InMemorySTSCacheStore: STSCacheStore {
    private var entries: [DomainName: STSCacheEntry] = [:]

    /// An empty store.
    public init() {}

    public func loadAll() async throws -> [STSCacheEntry] { entries.values.sorted { $0.domain < $1.domain } }
    public func save(_ entry: STSCacheEntry) async throws { entries[entry.domain] = entry }
}
