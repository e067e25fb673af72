import Foundation
import PreloadClient
import PreloadCore
import PreloadTesting
import Testing

/// The MTA-STS cache's schema: versioned migrations, a newer or foreign cache refused at open.
@Suite struct STSCacheStoreTests {
    private let start = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!

    private func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(SQLiteSTSCacheStore.fileName).path
    }

    private func entry(_ name: String) throws -> STSCacheEntry {
        STSCacheEntry(domain: try DomainName(name), policy: nil, policyID: nil, fetchedAt: nil, validUntil: nil,
                      checkedAt: start, discovery: .noRecord, fetchFailedAt: nil, fetchFailure: nil)
    }

    @Test func aNewCacheRecordsItsMigrations() async throws {
        let path = try scratch()
        let store = try SQLiteSTSCacheStore(path: path)
        try await store.save(try entry("example.com"))
        #expect(try await sqliteQuery(path, "SELECT group_concat(identifier) FROM grdb_migrations") == "v1-sts-cache")
        #expect(try await SQLiteSTSCacheStore(path: path, readOnly: true).loadAll().map(\.domain.value) == ["example.com"])
    }

    /// A cache migrated by a newer binary is refused when opened, read-write or read-only, and left as it is.
    @Test func aCacheFromANewerBinaryIsRefusedAtOpen() async throws {
        let path = try scratch()
        try await SQLiteSTSCacheStore(path: path).save(try entry("example.com"))
        try await sqliteQuery(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v7-sts-cache-from-the-future')")
        let before = try await sqliteDump(path)
        for readOnly in [false, true] {
            #expect {
                try SQLiteSTSCacheStore(path: path, readOnly: readOnly)
            } throws: { error in
                guard case STSCacheError.newerThanBinary(let file, let why) = error else { return false }
                return file == path && why.contains("v7-sts-cache-from-the-future")
            }
        }
        #expect(try await sqliteDump(path) == before)
    }

    /// A table of another shape (before the fix it was used anyway, and every lookup failed to write).
    @Test func aCacheTableOfAnotherShapeIsRefusedAtOpen() async throws {
        let path = try scratch()
        try await sqliteQuery(path, "CREATE TABLE sts_cache (domain TEXT PRIMARY KEY NOT NULL, data BLOB)")
        for readOnly in [false, true] {
            #expect {
                try SQLiteSTSCacheStore(path: path, readOnly: readOnly)
            } throws: { error in
                guard case STSCacheError.incompatible(_, let why) = error else { return false }
                return why.contains("checked_at")
            }
        }
    }

    /// A cache made before the cache had migrations (the same table, no migration records) is adopted.
    @Test func aCacheFromBeforeMigrationsIsAdopted() async throws {
        let path = try scratch()
        try await sqliteQuery(path, """
            CREATE TABLE sts_cache (domain TEXT PRIMARY KEY NOT NULL, policy TEXT, policy_id TEXT, fetched_at INTEGER,
                valid_until INTEGER, checked_at INTEGER NOT NULL, discovery TEXT NOT NULL, discovery_detail TEXT,
                fetch_failed_at INTEGER, fetch_failure TEXT)
            """)
        try await sqliteQuery(path, "INSERT INTO sts_cache (domain, checked_at, discovery) VALUES ('old.example', 1772323200, 'none')")
        #expect(try await SQLiteSTSCacheStore(path: path, readOnly: true).loadAll().map(\.domain.value) == ["old.example"])
        let store = try SQLiteSTSCacheStore(path: path)
        #expect(try await store.loadAll().map(\.domain.value) == ["old.example"])
        #expect(try await sqliteQuery(path, "SELECT group_concat(identifier) FROM grdb_migrations") == "v1-sts-cache")
    }
}
