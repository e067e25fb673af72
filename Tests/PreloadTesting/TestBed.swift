import Foundation
import PreloadCore
import PreloadSystem

/// The shared loopback test bed (`tools/testbed`) as the tests see it: its `env.json`. The one test-bed
/// loader of the tests.
///
/// `PRELOAD_TESTBED_ENV=/path/env.json` points at a running test bed (nothing is started then); otherwise
/// the repository's own `tools/testbed/run/env.json` is used, and `tools/testbed/testbed start` runs first
/// when `testbed status` says it is not running. A test bed that cannot be loaded fails the tests that need
/// it (``TestBedError``): they are never skipped.
public struct NetTestBed: Decodable, Sendable {
    public struct DNS: Decodable, Sendable {
        public var server: String
    }
    public struct MX: Decodable, Sendable {
        public var host: String
        public var preference: Int
        public var addresses: [String]
    }
    public struct PolicyHost: Decodable, Sendable {
        public var host: String
        public var address: String
    }
    public struct Domain: Decodable, Sendable {
        public var mx: [MX]
        public var mtaSts: PolicyHost?
        public var expect: [String]?
        public var dane: DANE?
    }
    /// A DANE scenario's facts (tools/testbed/README.md, "DNSSEC and DANE").
    public struct DANE: Decodable, Sendable {
        public struct TLSA: Decodable, Sendable {
            public var owner: String
            public var params: String
            public var certificate: String
            public var data: String
        }
        public var expect: [String]
        public var zone: String
        public var tlsa: [TLSA]
    }

    public var caFile: String
    public var dns: DNS
    public var smtpPort: Int
    public var httpsPort: Int
    public var ipv6: Bool
    public var mailDir: String
    public var notifyDomain: String
    public var testbed: String
    public var domains: [String: Domain]
    /// The throw-away PostgreSQL cluster (absent from a test bed started before it had one).
    public var postgres: Postgres?
    public struct Postgres: Decodable, Sendable {
        public var url: String
        public var host: String
        public var port: Int
        public var user: String
        public var password: String
        public var database: String
    }
    /// The DS records of the signed test zones (absent from a test bed started before they existed).
    public var trustAnchor: String?
    public var signedZones: [String]?

    /// The trust anchor file, or a failure saying that the running test bed predates the DNSSEC zones.
    public func requireTrustAnchor() throws -> String {
        guard let trustAnchor, FileManager.default.isReadableFile(atPath: trustAnchor) else {
            throw TestBedError("the running test bed has no DNSSEC test zones (no trustAnchor in env.json): restart it with this tree's tools/testbed/testbed")
        }
        return trustAnchor
    }

    /// The scenario `name`, or a test failure naming what is missing.
    public func domain(_ name: String) throws -> Domain {
        guard let domain = domains[name] else { throw TestBedError("the test bed has no scenario \(name)") }
        return domain
    }

    /// The PostgreSQL cluster, or a failure saying that the running test bed predates it.
    public func requirePostgres() throws -> Postgres {
        guard let postgres else {
            throw TestBedError("the running test bed has no PostgreSQL cluster (no postgres in env.json): restart it with this tree's tools/testbed/testbed")
        }
        return postgres
    }

    /// A new, empty database in the test bed's cluster, for one test: its `postgres://` URL. Made with
    /// `psql` (an independent client); the cluster and everything in it go when the test bed stops.
    public func freshPostgresDatabase(_ label: String = "t") async throws -> String {
        let pg = try requirePostgres()
        let name = "preload_\(label)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try await psql(pg.database, "CREATE DATABASE \(name)")
        return "postgres://\(pg.user):\(pg.password)@\(pg.host):\(pg.port)/\(name)"
    }

    /// Runs `sql` with `psql` on `database` of the test bed's cluster; its output rows, unaligned, `|`-separated.
    @discardableResult
    public func psql(_ database: String, _ sql: String) async throws -> String {
        let pg = try requirePostgres()
        let out = try await Tool.run("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", pg.host, "-p", "\(pg.port)",
                                              "-U", pg.user, "-d", database, "-c", sql],
                                     environment: ["PGPASSWORD": pg.password, "PGCONNECT_TIMEOUT": "10"])
        guard out.status == 0 else { throw TestBedError("psql \(sql): \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The first address of the first MX host of scenario `name`.
    public func mxAddress(_ name: String) throws -> (host: String, address: String) {
        guard let mx = try domain(name).mx.first, let address = mx.addresses.first else {
            throw TestBedError("scenario \(name) has no MX address")
        }
        return (mx.host, address)
    }

    /// The policy host address of scenario `name`.
    public func policyAddress(_ name: String) throws -> String {
        guard let host = try domain(name).mtaSts else { throw TestBedError("scenario \(name) has no policy host") }
        return host.address
    }

    /// Runs the test bed script with `arguments` (e.g. `dns-add`), returning its exit status.
    public func run(_ arguments: [String]) async throws -> Int32 {
        try await NetTestBed.runTool(testbed, arguments)
    }

    /// The test bed, started once per test process when needed.
    public static var shared: NetTestBed {
        get async throws { try await loaded.value }
    }

    private static let loaded = Task<NetTestBed, any Error> {
        let environment = ProcessInfo.processInfo.environment
        let path: String
        if let given = environment["PRELOAD_TESTBED_ENV"], !given.isEmpty {
            path = given
        } else {
            let root = Tool.repositoryRoot
            let script = root.appendingPathComponent("tools/testbed/testbed").path
            guard FileManager.default.isExecutableFile(atPath: script) else {
                throw TestBedError("no test bed at \(script); set PRELOAD_TESTBED_ENV to a running one's env.json")
            }
            if try await runTool(script, ["status"]) != 0 {
                guard try await runTool(script, ["start"]) == 0 else { throw TestBedError("testbed start failed") }
            }
            path = root.appendingPathComponent("tools/testbed/run/env.json").path
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(NetTestBed.self, from: data)
    }

    private static func runTool(_ tool: String, _ arguments: [String]) async throws -> Int32 {
        try await BlockingThreadPool.shared.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }
}

/// A test-bed set-up problem (reported as a test failure, never skipped silently).
public struct TestBedError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
