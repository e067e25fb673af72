import Foundation
import PreloadCore

/// The shared loopback test bed (`tools/testbed`) as the network-layer tests see it: its `env.json`.
///
/// `PRELOAD_TESTBED_ENV=/path/env.json` points at a running test bed (nothing is started then); otherwise
/// the repository's own `tools/testbed/run/env.json` is used, and `tools/testbed/testbed start` runs first
/// when `testbed status` says it is not running.
struct NetTestBed: Decodable, Sendable {
    struct DNS: Decodable, Sendable {
        var server: String
    }
    struct MX: Decodable, Sendable {
        var host: String
        var preference: Int
        var addresses: [String]
    }
    struct PolicyHost: Decodable, Sendable {
        var host: String
        var address: String
    }
    struct Domain: Decodable, Sendable {
        var mx: [MX]
        var mtaSts: PolicyHost?
        var expect: [String]?
        var dane: DANE?
    }
    /// A DANE scenario's facts (tools/testbed/README.md, "DNSSEC and DANE").
    struct DANE: Decodable, Sendable {
        struct TLSA: Decodable, Sendable {
            var owner: String
            var params: String
            var certificate: String
            var data: String
        }
        var expect: [String]
        var zone: String
        var tlsa: [TLSA]
    }

    var caFile: String
    var dns: DNS
    var smtpPort: Int
    var httpsPort: Int
    var ipv6: Bool
    var mailDir: String
    var notifyDomain: String
    var testbed: String
    var domains: [String: Domain]
    /// The DS records of the signed test zones (absent from a test bed started before they existed).
    var trustAnchor: String?
    var signedZones: [String]?

    /// The trust anchor file, or a failure saying that the running test bed predates the DNSSEC zones.
    func requireTrustAnchor() throws -> String {
        guard let trustAnchor, FileManager.default.isReadableFile(atPath: trustAnchor) else {
            throw TestBedError("the running test bed has no DNSSEC test zones (no trustAnchor in env.json): restart it with this tree's tools/testbed/testbed")
        }
        return trustAnchor
    }

    /// The scenario `name`, or a test failure naming what is missing.
    func domain(_ name: String) throws -> Domain {
        guard let domain = domains[name] else { throw TestBedError("the test bed has no scenario \(name)") }
        return domain
    }

    /// The first address of the first MX host of scenario `name`.
    func mxAddress(_ name: String) throws -> (host: String, address: String) {
        guard let mx = try domain(name).mx.first, let address = mx.addresses.first else {
            throw TestBedError("scenario \(name) has no MX address")
        }
        return (mx.host, address)
    }

    /// The policy host address of scenario `name`.
    func policyAddress(_ name: String) throws -> String {
        guard let host = try domain(name).mtaSts else { throw TestBedError("scenario \(name) has no policy host") }
        return host.address
    }

    /// Runs the test bed script with `arguments` (e.g. `dns-add`), returning its exit status.
    func run(_ arguments: [String]) async throws -> Int32 {
        try await NetTestBed.runTool(testbed, arguments)
    }

    /// The test bed, started once per test process when needed.
    static var shared: NetTestBed {
        get async throws { try await loaded.value }
    }

    private static let loaded = Task<NetTestBed, any Error> {
        let environment = ProcessInfo.processInfo.environment
        let path: String
        if let given = environment["PRELOAD_TESTBED_ENV"], !given.isEmpty {
            path = given
        } else {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
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
struct TestBedError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
