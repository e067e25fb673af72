import Foundation
import GRDB
import PreloadSystem
import PreloadCuration
import Synchronization

/// Why the state could not be opened or used.
public enum StateError: Error, Sendable, CustomStringConvertible {
    /// The state directory could not be created or is not a directory.
    case directory(String, String)
    /// SQLite failed.
    case database(String)
    /// The database was written by a newer `preload` (path, why): refused before anything was read or
    /// written.
    case newerThanBinary(String, String)

    public var description: String {
        switch self {
        case .directory(let path, let why): "state directory \(path): \(why)"
        case .database(let why): "state database: \(why)"
        case .newerThanBinary(let path, let why):
            "state database \(path) was written by a newer preload (\(why)); refusing to read or change it: run the newer preload, or restore a backup made for this version"
        }
    }
}

/// The curation state in SQLite: one database in WAL mode under the state directory, written only through
/// transactions, with a schema built by named, append-only migrations; the ``CurationStore`` the command
/// line uses. A database a newer binary has migrated is refused (``StateError/newerThanBinary(_:_:)``)
/// before anything is read or written.
///
/// SQLite calls block, so they run on GRDB's own serial queues (its async `read`/`write`), never on
/// Swift's cooperative pool. The run lock is an `flock` on ``runLockFileName`` in the state directory.
public final class SQLiteStateStore: CurationStore {
    /// The database file's name inside the state directory.
    public static let databaseFileName = "state.sqlite"
    /// The run lock's file name inside the state directory.
    public static let runLockFileName = "validate-all.lock"

    /// The state directory.
    public let directory: String
    private let pool: DatabasePool
    /// The connection of ``commitCounter()``, opened at its first call.
    private let watch = Mutex<DatabaseQueue?>(nil)

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
        let path = (directory as NSString).appendingPathComponent(Self.databaseFileName)
        let newer: String?
        do {
            pool = try DatabasePool(path: path, configuration: config)
            newer = try pool.read(StateSchema.newerSchema)
        } catch {
            throw .database("\(error)")
        }
        if let newer { throw .newerThanBinary(path, newer) }
        do {
            try StateSchema.migrator.migrate(pool)
            try pool.write(StateSchema.stampVersion)
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

    /// This binary's schema version (`PRAGMA user_version` of the databases it writes).
    public static var schemaVersion: Int { StateSchema.version }

    /// The SQLite journal mode (`wal`).
    public func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    public func read<T: Sendable>(_ body: @Sendable @escaping (any StateReader) throws -> T) async throws -> T {
        try await pool.read { db in try body(SQLiteTransaction(db)) }
    }

    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable @escaping (any StateWriter) throws -> T) async throws -> T {
        try await pool.write { db in try body(SQLiteTransaction(db)) }
    }

    /// `PRAGMA data_version` on a read-only connection of its own, which never writes: its value changes
    /// whenever another connection (the pool's writer, another process) committed since the last call.
    public func commitCounter() async throws -> Int64 {
        let queue: DatabaseQueue
        if let opened = watch.withLock({ $0 }) {
            queue = opened
        } else {
            // Opening a connection blocks: on the blocking pool, not the cooperative one.
            let path = path(Self.databaseFileName)
            let opened = try await BlockingThreadPool.shared.run { () throws -> DatabaseQueue in
                var config = Configuration()
                config.readonly = true
                config.busyMode = .timeout(5)
                config.label = "preload-state-watch"
                return try DatabaseQueue(path: path, configuration: config)
            }
            queue = watch.withLock { current in
                if let current { return current }
                current = opened
                return opened
            }
        }
        return try await queue.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// One process runs a round at a time (the run lock).
    public var sharesRounds: Bool { false }

    /// The run lock already makes the run alone on the state.
    public func takeCompletionLock() async throws -> (any RunLease)? { NoLease() }

    /// Takes the `flock` on ``runLockFileName``; throws ``CurationError/busy(_:)`` naming the holder when
    /// another process holds it.
    public func takeRunLock(holder: String) throws -> any RunLease {
        do {
            return try FileLock(path: path(Self.runLockFileName), holder: holder, mode: 0o600)
        } catch .held(let holder) {
            throw CurationError.busy(holder.isEmpty ? "the lock is held" : holder)
        } catch {
            throw error
        }
    }
}

extension FileLock: RunLease {}

/// A lease that guards nothing more than what the caller holds already.
private final class NoLease: RunLease {}
