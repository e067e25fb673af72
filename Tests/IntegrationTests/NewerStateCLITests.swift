import Foundation
import PreloadTesting
import Testing

/// A state or MTA-STS cache written by a newer `preload` (one more migration than this binary knows): every
/// command that uses it exits 69 with a clear error before reading or writing it, and the socketmap daemon
/// fails at start instead of on every lookup.
@Suite struct NewerStateCLITests {
    /// The curation state: status, events, submit, remove (owner and maintainer) and validate-all.
    @Test func everyCurationCommandRefusesANewerState() async throws {
        let binary = try Tool.preloadBinary()
        let scratch = try ScratchDirectory("preload-newer-state")
        let env = ["PRELOAD_STATE": scratch.file("state"), "PRELOAD_DNS": "127.0.0.254@53"]
        #expect(try await Tool.run(binary, ["status", "example.test"], environment: env).status == 0)
        let database = scratch.file("state/state.sqlite")
        try await sqliteQuery(database, "INSERT INTO grdb_migrations (identifier) VALUES ('v2-from-a-newer-preload')")
        let before = try await sqliteDump(database)
        let commands: [[String]] = [
            ["status", "example.test"], ["events"], ["submit", "example.test", "--contact", "owner@example.test"],
            ["remove", "example.test"], ["remove", "--force", "example.test", "--reason", "test"],
            ["validate-all", "--no-publish"],
        ]
        for command in commands {
            let out = try await Tool.run(binary, command, environment: env)
            #expect(out.status == 69, "\(command): exit \(out.status), \(out.stderr)")
            #expect(out.stderr.contains("newer preload") && out.stderr.contains("v2-from-a-newer-preload"),
                    "\(command): \(out.stderr)")
        }
        #expect(try await sqliteDump(database) == before)
    }

    /// The client's MTA-STS cache: `resolve` and `socketmap` refuse it at start with exit 69.
    @Test func resolveAndSocketmapRefuseANewerCache() async throws {
        let binary = try Tool.preloadBinary()
        let scratch = try ScratchDirectory("preload-newer-cache")
        let state = scratch.file("client")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        #expect(try await Tool.run(binary, ["keygen", "--out", scratch.file("key")]).status == 0)
        let cache = state + "/mta-sts-cache.sqlite"
        try await sqliteQuery(cache, "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        try await sqliteQuery(cache, "INSERT INTO grdb_migrations VALUES ('v1-sts-cache'), ('v2-sts-cache-from-a-newer-preload')")
        let trust = ["--state", state, "--key", scratch.file("key.pub"), "--dns", "127.0.0.254@53", "--timeout", "2"]
        let resolve = try await Tool.run(binary, ["resolve", "example.test"] + trust)
        #expect(resolve.status == 69, "resolve: \(resolve.status) \(resolve.stderr)")
        #expect(resolve.stderr.contains("MTA-STS cache") && resolve.stderr.contains("newer preload"), "\(resolve.stderr)")
        // The daemon must exit at start; one that serves (and would fail on every lookup) is stopped after 20 s.
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: binary)
        daemon.arguments = ["socketmap", "--listen", "unix:" + scratch.file("socketmap.sock")] + trust
        daemon.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        daemon.standardError = stderr
        try daemon.run()
        var waited = 0
        while daemon.isRunning && waited < 200 {
            try await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        let served = daemon.isRunning
        if served { daemon.terminate() }
        await waitForExit(daemon)
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!served, "socketmap started serving with a cache from a newer preload")
        #expect(daemon.terminationStatus == 69, "socketmap: \(daemon.terminationStatus) \(message)")
        #expect(message.contains("v2-sts-cache-from-a-newer-preload"), "\(message)")
    }
}
