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

    /// The statements this connection has prepared, by their typed SQL (``typedSQL(_:_:)``): running one
    /// again skips the server's parsing and planning, which for the short statements of a busy round cost
    /// about as much as running them. At most ``preparedLimit``; statements beyond run unprepared.
    private var prepared: [String: PreparedQuery] = [:]
    static let preparedLimit = 64

    /// Runs a statement and returns its rows, each as its columns by name. A statement with values, none of
    /// them NULL, runs prepared (``prepared``); the others as one-off statements.
    @discardableResult
    func rows(_ sql: String, _ binds: [SQLValue] = []) throws -> [[String: SQLValue]] {
        let rows: [PostgresRow]
        // postgres-nio (1.x) always asks for binary rows, but gives a prepared statement's cells the format of
        // its description, which the server sends as text: those cells are read as the binary they are.
        var binary = false
        do {
            if let typed = Self.typedSQL(sql, binds), let statement = try preparedQuery(typed) {
                rows = try statement.execute(binds.map(Self.data)).wait()
                binary = true
            } else {
                rows = try connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(binds)), logger: logger).wait().rows
            }
        } catch let error as PSQLError where error.code == .server {
            throw PostgresStateError.database(Self.describe(error))
        } catch let error as PostgresError {
            // The prepared path reports the server's errors in postgres-nio's older form.
            if case .server = error {} else { isUsable = false }
            throw PostgresStateError.database(Self.describe(error))
        } catch {
            isUsable = false
            throw PostgresStateError.database(Self.describe(error))
        }
        return try rows.map { row in
            var columns: [String: SQLValue] = [:]
            for var cell in row {
                if binary { cell.format = .binary }
                columns[cell.columnName] = try Self.value(cell)
            }
            return columns
        }
    }

    /// The prepared statement for `typed`, preparing it on first use while there is room; `nil` when there is
    /// none.
    private func preparedQuery(_ typed: String) throws -> PreparedQuery? {
        if let statement = prepared[typed] { return statement }
        guard prepared.count < Self.preparedLimit else { return nil }
        let statement = try connection.prepare(query: typed).wait()
        prepared[typed] = statement
        return statement
    }

    /// `sql` with each `$n` cast to its value's type (`$1::int8`), so that a prepared statement's parameter
    /// types are exactly those of the values, as they are for a one-off statement; `nil` when a value is NULL
    /// (its type is unknown) or there are no values.
    static func typedSQL(_ sql: String, _ binds: [SQLValue]) -> String? {
        guard !binds.isEmpty else { return nil }
        var types: [String] = []
        for value in binds {
            switch value {
            case .null: return nil
            case .text: types.append("text")
            case .int: types.append("int8")
            case .bool: types.append("bool")
            }
        }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8 * binds.count)
        var i = sql.startIndex
        while i < sql.endIndex {
            let c = sql[i]
            out.append(c)
            i = sql.index(after: i)
            guard c == "$" else { continue }
            let digits = sql[i...].prefix { $0.isASCII && $0.isNumber }
            guard let n = Int(digits), n >= 1, n <= types.count else { continue }
            out += digits + "::" + types[n - 1]
            i = digits.endIndex
        }
        return out
    }

    private static func bindings(_ binds: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .text(let s): bindings.append(s)
            case .int(let i): bindings.append(i)
            case .bool(let b): bindings.append(b)
            }
        }
        return bindings
    }

    private static func data(_ value: SQLValue) -> PostgresData {
        switch value {
        case .null: return .null
        case .text(let s): return PostgresData(string: s)
        case .int(let i): return PostgresData(int64: i)
        case .bool(let b): return PostgresData(bool: b)
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

    /// A server error's message, detail and SQLSTATE, as one line.
    private static func serverMessage(_ message: String?, detail: String?, state: String?) -> String {
        (message ?? "server error") + (detail.map { ": \($0)" } ?? "") + (state.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// A PSQLError's server message (its plain description hides everything), or the error.
    static func describe(_ error: any Error) -> String {
        if case .server(let message)? = error as? PostgresError {
            return serverMessage(message.fields[.message], detail: message.fields[.detail], state: message.fields[.sqlState])
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            return serverMessage(info[.message], detail: info[.detail], state: info[.sqlState])
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
