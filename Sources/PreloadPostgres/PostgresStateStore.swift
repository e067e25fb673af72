import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import PreloadCore
import PreloadCuration
import PreloadSystem
import Synchronization

/// Why the Postgres state could not be opened or used.
public enum PostgresStateError: Error, Sendable, CustomStringConvertible {
    /// The `postgres://` URL cannot be read.
    case url(String)
    /// The server could not be reached or refused us (the URL without its password, why).
    case unavailable(String, String)
    /// A statement failed.
    case database(String)
    /// The state was migrated by a newer `preload` (URL, why): refused before anything was read or written.
    case newerThanBinary(String, String)

    public var description: String {
        switch self {
        case .url(let why): "state URL: \(why)"
        case .unavailable(let url, let why): "state database \(url) is unavailable: \(why)"
        case .database(let why): "state database: \(why)"
        case .newerThanBinary(let url, let why):
            "state database \(url) was written by a newer preload (\(why)); refusing to read or change it: run the newer preload, or restore a backup made for this version"
        }
    }
}

/// The curation state in PostgreSQL: the second ``CurationStore``, for a state that several machines share
/// (cooperating `validate-all` workers, service replicas). The same logical schema as the SQLite state,
/// built by the same named migrations, applied on first use under an advisory lock; a state a newer
/// binary migrated is refused.
///
/// Transactions: a read is `REPEATABLE READ READ ONLY` (one snapshot); a write takes one transaction-level
/// advisory lock first, so that write transactions are serialised across every process on the state, as
/// SQLite's are — a write re-reads what it decides on (the submission of a domain through two replicas at
/// once makes one challenge). A write confined to some domains (a validation result) takes that lock's
/// shared form and a lock per domain, so results of different domains are recorded at once. Every write
/// moves the commit sequence once it has committed, so a reader that polls the count and then reads sees
/// every commit before the count it saw.
///
/// postgres-nio is asynchronous; a transaction body is synchronous (``CurationStore``), so the body and
/// its statements run on the blocking pool, each statement awaited there, never on the cooperative pool.
public final class PostgresStateStore: CurationStore {
    /// Where the state lives (without the password), for messages.
    public let location: String
    let pool: PostgresConnectionPool

    /// Advisory lock keys (one namespace for this program): the write lock, the migration lock, the
    /// exclusive run lock, the publish lock of a shared round and the claim lock.
    static let writeLockKey: Int64 = 0x7072_6C64_0001
    static let migrationLockKey: Int64 = 0x7072_6C64_0002
    static let runLockKey: Int64 = 0x7072_6C64_0003
    static let publishLockKey: Int64 = 0x7072_6C64_0004
    /// The lock that serialises claims (``PostgresTransaction/claimItems(run:vantage:holder:limit:now:until:)``).
    static let claimLockKey: Int64 = 0x7072_6C64_0005
    /// The first key of the per-domain locks' two-key space (``write(confinedTo:_:)``).
    static let domainLockSpace: Int32 = 0x7072_6C64

    /// Opens the state at `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require]`)
    /// and applies pending migrations.
    public init(url: String) async throws {
        let target = try PostgresURL(url)
        location = target.redacted
        pool = PostgresConnectionPool(target: target)
        let location = self.location
        let pool = self.pool
        try await BlockingThreadPool.shared.run {
            let session = try pool.take()
            do {
                try Self.migrate(session, location: location)
                pool.give(session)
            } catch {
                pool.discard(session)
                throw error
            }
        }
    }

    deinit { pool.closeAll() }

    /// Applies the migrations this binary knows and the state lacks; refuses a state with one it does not know.
    private static func migrate(_ session: PostgresSession, location: String) throws {
        try session.execute("SELECT pg_advisory_lock($1)", [.int(migrationLockKey)])
        defer { try? session.execute("SELECT pg_advisory_unlock($1)", [.int(migrationLockKey)]) }
        for statement in PostgresSchema.bootstrap { try session.execute(statement) }
        let applied = Set(try session.rows("SELECT name FROM preload_migration").compactMap { row -> String? in
            if case .text(let name)? = row["name"] { return name }
            return nil
        })
        let known = PostgresSchema.migrations.map(\.name)
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty {
            throw PostgresStateError.newerThanBinary(location,
                "it has migration\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) applied, which this preload does not know")
        }
        for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
            try session.transaction {
                for statement in migration.sql { try session.execute(statement) }
                try session.execute("INSERT INTO preload_migration (name) VALUES ($1)", [.text(migration.name)])
            }
        }
    }

    /// The names of the migrations applied, in the order they were applied.
    public func appliedMigrations() async throws -> [String] {
        try await withSession { session in
            try session.rows("SELECT name FROM preload_migration ORDER BY applied, name").compactMap { row -> String? in
                if case .text(let name)? = row["name"] { return name }
                return nil
            }
        }
    }

    /// The names of every migration this code knows, in order.
    public static var knownMigrations: [String] { PostgresSchema.migrations.map(\.name) }

    /// Runs `body` with a pooled connection on the blocking pool.
    func withSession<T: Sendable>(_ body: @Sendable @escaping (PostgresSession) throws -> T) async throws -> T {
        let pool = self.pool
        return try await BlockingThreadPool.shared.run {
            let session = try pool.take()
            do {
                let value = try body(session)
                if session.isUsable { pool.give(session) } else { pool.discard(session) }
                return value
            } catch {
                // A statement error inside a finished transaction leaves the connection usable; anything
                // else (a broken connection) is dropped rather than pooled.
                if session.isUsable { pool.give(session) } else { pool.discard(session) }
                throw error
            }
        }
    }

    public func read<T: Sendable>(_ body: @Sendable @escaping (any StateReader) throws -> T) async throws -> T {
        try await withSession { session in
            try session.transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") {
                try body(PostgresTransaction(session))
            }
        }
    }

    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable @escaping (any StateWriter) throws -> T) async throws -> T {
        try await writeTransaction("SELECT pg_advisory_xact_lock($1)", [.int(Self.writeLockKey)], body)
    }

    /// The write lock's shared form (so that ``write(_:)``, which takes it exclusively, excludes these),
    /// then a transaction-level lock per domain (its name hashed, in the two-key space of this program), in
    /// name order, so that two transactions on one domain are serialised and two on different domains are not.
    @discardableResult
    public func write<T: Sendable>(confinedTo domains: [DomainName],
                                   _ body: @Sendable @escaping (any StateWriter) throws -> T) async throws -> T {
        let names = Set(domains.map(\.value)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let locks = ["pg_advisory_xact_lock_shared($1)"]
            + names.indices.map { "pg_advisory_xact_lock(\(Self.domainLockSpace), hashtext($\($0 + 2)))" }
        return try await writeTransaction("SELECT " + locks.joined(separator: ", "),
                                          [.int(Self.writeLockKey)] + names.map { .text($0) }, body)
    }

    /// A write transaction that takes its locks with `lock` first. After it commits, the commit sequence
    /// moves (outside the transaction, so that concurrent writers do not queue on one counter row): a reader
    /// that polls ``commitCounter()`` and then reads cannot keep a state older than the last commit it
    /// missed. A failure to move it (the connection broke just after the commit) does not undo or fail the
    /// committed write; the next commit moves it.
    private func writeTransaction<T: Sendable>(_ lock: String, _ binds: [SQLValue],
                                               _ body: @Sendable @escaping (any StateWriter) throws -> T) async throws -> T {
        try await withSession { session in
            let value = try session.transaction {
                try session.execute(lock, binds)
                return try body(PostgresTransaction(session))
            }
            try? session.execute("SELECT nextval('preload_commit_sequence')")
            return value
        }
    }

    /// The commit counter: the commit sequence's position (plus the counter row that earlier versions moved
    /// inside each write), so it changes whenever a write commits.
    public func commitCounter() async throws -> Int64 {
        try await withSession { session in
            guard case .int(let n)? = try session.rows("""
                SELECT c.counter + s.last_value + CASE WHEN s.is_called THEN 1 ELSE 0 END AS counter
                FROM preload_commit c, preload_commit_sequence s WHERE c.id = 1
                """).first?["counter"] else {
                throw PostgresStateError.database("the commit counter row is missing")
            }
            return n
        }
    }

    /// A session-level advisory lock on a connection of its own, held while the lease lives (and released by
    /// the server when the process dies, with its connection).
    func takeAdvisoryLock(_ key: Int64) async throws -> PostgresLease? {
        let pool = self.pool
        return try await BlockingThreadPool.shared.run { () throws -> PostgresLease? in
            let session = try pool.connect()
            do {
                guard case .bool(true)? = try session.rows("SELECT pg_try_advisory_lock($1) AS held", [.int(key)]).first?["held"] else {
                    session.close()
                    return nil
                }
                return PostgresLease(session)
            } catch {
                session.close()
                throw error
            }
        }
    }

    /// Workers on one Postgres state share rounds.
    public var sharesRounds: Bool { true }

    /// The completion lock of a shared round: a session advisory lock, released by the server if its holder dies.
    public func takeCompletionLock() async throws -> (any RunLease)? {
        try await takeAdvisoryLock(Self.publishLockKey)
    }

    /// The exclusive run lock (``CurationStore/takeRunLock(holder:)``), for stores that run rounds alone.
    public func takeRunLock(holder: String) async throws -> any RunLease {
        guard let lease = try await takeAdvisoryLock(Self.runLockKey) else {
            throw CurationError.busy("another validate-all holds the run lock of \(location)")
        }
        return lease
    }
}

/// An advisory lock held on its own connection; released (the connection closed) when the value goes.
final class PostgresLease: RunLease, @unchecked Sendable {  // the session is only closed, once
    private let session: PostgresSession
    init(_ session: PostgresSession) { self.session = session }
    deinit { session.close() }
}

/// A `postgres://` URL read into a connection configuration.
struct PostgresURL: Sendable {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var requireTLS: Bool

    init(_ text: String) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresStateError.url("'\(Self.redact(text))' is not a postgres:// URL")
        }
        guard let host = url.host, !host.isEmpty else { throw PostgresStateError.url("the URL names no host") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = url.port ?? 5432
        guard let user = url.user, !user.isEmpty else { throw PostgresStateError.url("the URL names no user") }
        self.user = user
        password = url.password
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !path.isEmpty, !path.contains("/") else { throw PostgresStateError.url("the URL names no database (…/DATABASE)") }
        database = path
        requireTLS = false
        for item in url.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"): requireTLS = false
            case ("sslmode", "require"), ("sslmode", "verify-full"): requireTLS = true
            case ("sslmode", let other):
                throw PostgresStateError.url("sslmode=\(other) is not supported (disable, or require: TLS with the server's certificate verified)")
            case (let name, _): throw PostgresStateError.url("unknown URL parameter '\(name)' (only sslmode)")
            }
        }
    }

    /// The URL without its password.
    var redacted: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(h):\(port)/\(database)\(requireTLS ? "?sslmode=require" : "")"
    }

    /// `text` with any password replaced, for a message about a URL that did not parse.
    static func redact(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at,
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":…" + String(text[at...])
    }
}
