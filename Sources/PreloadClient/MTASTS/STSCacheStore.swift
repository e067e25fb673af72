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

/// Why the MTA-STS cache cannot be used.
public enum STSCacheError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The cache was migrated by a newer `preload` (path, why): refused before anything is read or written.
    case newerThanBinary(String, String)
    /// The cache file holds a table this binary does not know how to read (path, why).
    case incompatible(String, String)

    public var description: String {
        switch self {
        case .newerThanBinary(let path, let why):
            "the MTA-STS cache \(path) was written by a newer preload (\(why)); refusing to use it: run the newer preload, or move the file away (it is a cache: it is rebuilt)"
        case .incompatible(let path, let why):
            "the MTA-STS cache \(path) cannot be used: \(why); move the file away (it is a cache: it is rebuilt)"
        }
    }
}

/// The MTA-STS cache in SQLite (`mta-sts-cache.sqlite` in the state directory), through GRDB, whose own
/// serial queue keeps the blocking SQLite calls off Swift's cooperative pool. WAL mode: readers (such as
/// `preload resolve` while the daemon runs) never block the writer.
///
/// The schema is built by named, append-only migrations (``migrator``); a cache with a migration this
/// binary does not know, or with a table of another shape, is refused when it is opened, so a daemon
/// fails at start instead of failing every lookup.
public final class SQLiteSTSCacheStore: STSCacheStore {
    /// The file name inside a state directory.
    public static let fileName = "mta-sts-cache.sqlite"

    /// The columns this binary reads and writes.
    static let columns: Set<String> = ["domain", "policy", "policy_id", "fetched_at", "valid_until", "checked_at",
                                       "discovery", "discovery_detail", "fetch_failed_at", "fetch_failure"]

    /// The cache's migrations, in order. Never edit or reorder one; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-sts-cache") { db in
            // Caches made before the cache had migrations already have this table: it is adopted as is.
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
        return migrator
    }

    private let pool: any DatabaseWriter
    private let readOnly: Bool
    private let hasTable: Bool

    /// Opens (creating if needed) the cache at `path`, applying its migrations. With `readOnly`, the file
    /// must exist and is never written (`preload resolve` next to a running daemon): new lookups then stay
    /// in memory.
    /// - Throws: ``STSCacheError`` for a cache written by a newer binary or of an unknown shape.
    public init(path: String, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.readonly = readOnly
        self.readOnly = readOnly
        pool = readOnly ? try DatabaseQueue(path: path, configuration: configuration)
            : try DatabasePool(path: path, configuration: configuration)
        let migrator = Self.migrator
        let (unknown, table) = try pool.read { db in
            (try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted(),
             try db.tableExists("sts_cache") ? Set(try db.columns(in: "sts_cache").map(\.name)) : nil)
        }
        if !unknown.isEmpty {
            throw STSCacheError.newerThanBinary(path, "migration \(unknown.joined(separator: ", ")) is unknown to this preload")
        }
        if let table, !Self.columns.isSubset(of: table) {
            throw STSCacheError.incompatible(path, "its sts_cache table lacks \(Self.columns.subtracting(table).sorted().joined(separator: ", "))")
        }
        if !readOnly { try migrator.migrate(pool) }
        hasTable = !readOnly || table != nil
    }
    /// Opens the cache file of `stateDirectory`.
    public convenience init(stateDirectory: String, readOnly: Bool = false) throws {
        try self.init(path: (stateDirectory as NSString).appendingPathComponent(Self.fileName), readOnly: readOnly)
    }

    public func loadAll() async throws -> [STSCacheEntry] {
        guard hasTable else { return [] }
        return try await pool.read { db in
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
