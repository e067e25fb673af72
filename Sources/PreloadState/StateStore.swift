import Foundation
import GRDB

/// Why the state could not be opened or used.
public enum StateError: Error, Sendable, CustomStringConvertible {
    /// The state directory could not be created or is not a directory.
    case directory(String, String)
    /// SQLite failed.
    case database(String)

    public var description: String {
        switch self {
        case .directory(let path, let why): "state directory \(path): \(why)"
        case .database(let why): "state database: \(why)"
        }
    }
}

/// The curation state: one SQLite database in WAL mode under the state directory, written only through
/// transactions, with a schema built by named, append-only migrations.
///
/// SQLite calls block, so they run on GRDB's own serial queues (its async `read`/`write`), never on
/// Swift's cooperative pool.
public final class StateStore: Sendable {
    /// The database file's name inside the state directory.
    public static let databaseFileName = "state.sqlite"

    /// The state directory.
    public let directory: String
    private let pool: DatabasePool

    /// Opens (creating if needed) the state in `directory` and applies pending migrations.
    public init(directory: String) throws(StateError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .directory(directory, "not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .directory(directory, "\(error)")
            }
        }
        self.directory = directory
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.label = "preload-state"
        do {
            pool = try DatabasePool(path: (directory as NSString).appendingPathComponent(Self.databaseFileName),
                                    configuration: config)
            try StateSchema.migrator.migrate(pool)
        } catch {
            throw .database("\(error)")
        }
    }

    /// The path of a file in the state directory.
    public func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The names of the migrations applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try StateSchema.migrator.appliedMigrations(db) }
    }

    /// The names of every migration this code knows, in order.
    public static var knownMigrations: [String] { StateSchema.migrator.migrations }

    /// The SQLite journal mode (`wal`).
    public func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Runs `body` in a read-only transaction (a consistent snapshot).
    public func read<T: Sendable>(_ body: @Sendable @escaping (StateTransaction) throws -> T) async throws -> T {
        try await pool.read { db in try body(StateTransaction(db)) }
    }

    /// Runs `body` in one write transaction: everything it does is committed together, or nothing is.
    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable @escaping (StateTransaction) throws -> T) async throws -> T {
        try await pool.write { db in try body(StateTransaction(db)) }
    }
}
