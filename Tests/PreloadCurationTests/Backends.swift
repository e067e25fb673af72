import Foundation
import PreloadCuration
import PreloadPostgres
import PreloadState
import PreloadTesting
import Testing

/// The two implementations of the curation state. The storage suite and the curation services' tests run
/// on both: SQLite in a scratch directory, PostgreSQL in a new database of the test bed's throw-away
/// cluster (the test bed is started when it does not run).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A state under test, with a way to reach its database behind the store's back (another client: python3's
/// sqlite3, or psql), as an operator or a newer binary would.
struct StoreUnderTest: Sendable {
    let backend: Backend
    let store: any CurationStore
    /// The SQLite state directory, or the Postgres database name.
    let location: String

    /// A fresh, empty state.
    static func make(_ backend: Backend) async throws -> StoreUnderTest {
        switch backend {
        case .sqlite:
            let store = try temporaryStore()
            return StoreUnderTest(backend: backend, store: store, location: store.directory)
        case .postgres:
            let url = try await NetTestBed.shared.freshPostgresDatabase("state")
            let store = try await PostgresStateStore(url: url)
            return StoreUnderTest(backend: backend, store: store, location: String(url.split(separator: "/").last!))
        }
    }

    /// Runs one statement on the database directly; the first column of the first row.
    @discardableResult
    func sql(_ statement: String) async throws -> String {
        switch backend {
        case .sqlite: return try await sqliteQuery((location as NSString).appendingPathComponent(SQLiteStateStore.databaseFileName), statement)
        case .postgres:
            // psql's first line, first column (rows are `|`-separated).
            let out = try await NetTestBed.shared.psql(location, statement)
            return String(out.split(separator: "\n").first?.split(separator: "|", omittingEmptySubsequences: false).first ?? "")
        }
    }

    /// Opens the same state again (a second process, or a restart).
    func reopen() async throws -> any CurationStore {
        switch backend {
        case .sqlite: return try SQLiteStateStore(directory: location)
        case .postgres:
            let pg = try await NetTestBed.shared.requirePostgres()
            return try await PostgresStateStore(url: "postgres://\(pg.user):\(pg.password)@\(pg.host):\(pg.port)/\(location)")
        }
    }
}
