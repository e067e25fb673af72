import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// A few open connections to the state's server, reused by transactions. Every call blocks: it runs on
/// the blocking pool (``PostgresStateStore``), never on the cooperative pool or an event loop.
final class PostgresConnectionPool: Sendable {
    let target: PostgresURL
    private let idle = Mutex<[PostgresSession]>([])
    private let nextID = Atomic<Int>(1)
    /// Connections kept open between transactions: as many as a busy process uses at once (a validate-all
    /// worker's concurrency, a service's requests), since opening one costs a SCRAM exchange and a new
    /// server process.
    static let keptIdle = 128

    init(target: PostgresURL) { self.target = target }

    /// An idle connection that is still open (the server may have closed some: a restart), or a new one.
    func take() throws -> PostgresSession {
        while let session = idle.withLock({ $0.popLast() }) {
            if !session.connection.isClosed { return session }
            session.close()
        }
        return try connect()
    }

    /// Returns a connection after a transaction; beyond ``keptIdle`` it is closed.
    func give(_ session: PostgresSession) {
        let kept = idle.withLock { sessions -> Bool in
            guard sessions.count < Self.keptIdle else { return false }
            sessions.append(session)
            return true
        }
        if !kept { session.close() }
    }

    /// Closes a connection that failed.
    func discard(_ session: PostgresSession) { session.close() }

    func closeAll() {
        for session in idle.withLock({ sessions in defer { sessions = [] }; return sessions }) { session.close() }
    }

    /// A new connection of its own (not pooled).
    func connect() throws -> PostgresSession {
        let target = self.target
        let tls: PostgresConnection.Configuration.TLS
        if target.requireTLS {
            do {
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw PostgresStateError.unavailable(target.redacted, "TLS: \(error)")
            }
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(host: target.host, port: target.port, username: target.user,
                                                             password: target.password, database: target.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        var logger = Logger(label: "preload.postgres")
        logger.logLevel = .critical
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        do {
            let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(),
                                                            configuration: configuration, id: id, logger: logger).wait()
            return PostgresSession(connection: connection, logger: logger)
        } catch {
            throw PostgresStateError.unavailable(target.redacted, PostgresSession.describe(error))
        }
    }
}

/// One connection, used by one transaction at a time: statements with bound values, rows as column maps.
final class PostgresSession: @unchecked Sendable {  // used by one thread at a time (taken from the pool)
    let connection: PostgresConnection
    let logger: Logger
    /// False after an error that may have left the connection in an unknown state.
    private(set) var isUsable = true

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func close() {
        isUsable = false
        // The connection must outlive its channel's closing (postgres-nio checks this when it goes).
        let connection = self.connection
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Runs a statement and returns its rows, each as its columns by name.
    @discardableResult
    func rows(_ sql: String, _ binds: [SQLValue] = []) throws -> [[String: SQLValue]] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .text(let s): bindings.append(s)
            case .int(let i): bindings.append(i)
            case .bool(let b): bindings.append(b)
            }
        }
        let result: PostgresQueryResult
        do {
            result = try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait()
        } catch let error as PSQLError where error.code == .server {
            throw PostgresStateError.database(Self.describe(error))
        } catch {
            isUsable = false
            throw PostgresStateError.database(Self.describe(error))
        }
        return try result.rows.map { row in
            var columns: [String: SQLValue] = [:]
            for cell in row {
                columns[cell.columnName] = try Self.value(cell)
            }
            return columns
        }
    }

    /// Runs a statement that returns no rows worth reading.
    func execute(_ sql: String, _ binds: [SQLValue] = []) throws { try rows(sql, binds) }

    /// Runs `body` between `begin` and `COMMIT`; rolls back when it throws.
    func transaction<T>(begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try execute(begin)
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isUsable {
                do { try execute("ROLLBACK") } catch { isUsable = false }
            }
            throw error
        }
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return .bool(try cell.decode(Bool.self))
        case .int2, .int4, .int8, .oid: return .int(try cell.decode(Int64.self))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// A PSQLError's server message (its plain description hides everything), or the error.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return (info[.message] ?? "server error") + (info[.detail].map { ": \($0)" } ?? "") + state
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
