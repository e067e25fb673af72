import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadNetwork
import PreloadTesting
import PreloadSigning
import Testing

/// The client's run and commands over a signed list file: `SyncRun` (what `preload sync` calls) and
/// `preload resolve`'s domain argument.
@Suite("Client: sync run and resolve") struct ClientCLITests {
    let key = try! Ed25519PrivateKey.generate()
    let now = SignFixtures.t0.adding(days: 1)

    /// A signed list of `domains` (`list.json` + `.sig`) and the allowed signers, in a scratch directory.
    func fixtures(_ domains: [String]) throws -> ScratchDirectory {
        let dir = try ScratchDirectory("preload-client")
        let list = ListCodec.encode(PreloadList(serial: 3, generated: SignFixtures.t0, expires: SignFixtures.t0.adding(days: 14),
                                                publisher: "ops@example.org", entries: try domains.map { try SignFixtures.entry($0) }))
        try dir.write("list.json", bytes: list)
        try dir.write("list.json.sig", try SSHSignature.sign(list, namespace: "preload-list", with: key).armored)
        try dir.write("allowed_signers", AllowedSigners(entries: [.init(principals: ["ops@example.org"], key: SSHPublicKey(key.publicKey),
                                                                        namespaces: ["preload-list", "git"])]).text)
        return dir
    }

    func run(_ dir: ScratchDirectory, postfixMap: String? = nil) throws -> SyncRun {
        var logger = Logger(label: "sync-run")
        logger.logLevel = .critical
        let trust = StateDirectory.TrustFile.allowedSigners(String(decoding: try dir.read("allowed_signers"), as: UTF8.self))
        return try SyncRun(source: .file(dir.file("list.json")), state: StateDirectory(dir.file("state")), trust: trust,
                           postfixMap: postfixMap.map { PostfixMapWriter(path: $0) }, metricsFile: dir.file("sync.prom"),
                           clock: FixedTime(now), logger: logger)
    }

    @Test func aRunInstallsWritesTheTableSavesTheTrustAndTheMetrics() async throws {
        let dir = try fixtures(["a.example"])
        let outcome = try await run(dir, postfixMap: dir.file("tls_policy")).run()
        #expect(outcome.report.result == .updated)
        #expect(outcome.report.installed?.serial == 3)
        #expect(outcome.written == [dir.file("tls_policy")])
        #expect(outcome.refreshed == nil)
        #expect(StateDirectory(dir.file("state")).loadTrust() != nil)
        let metrics = String(decoding: try dir.read("sync.prom"), as: UTF8.self)
        #expect(metrics.contains("preload_sync_last_run_result{result=\"updated\"} 1"))
        #expect(metrics.contains("preload_sync_list_serial 3"))
    }

    /// A run that fails on our side (the table cannot be written: its directory is a file) says so in the metrics, then throws; the
    /// list it verified stays installed.
    @Test func aRunThatFailsOnOurSideRecordsFailedAndThrows() async throws {
        let dir = try fixtures(["a.example"])
        await #expect(throws: (any Error).self) {
            _ = try await run(dir, postfixMap: dir.file("list.json/tls_policy")).run()
        }
        let metrics = String(decoding: try dir.read("sync.prom"), as: UTF8.self)
        #expect(metrics.contains("preload_sync_last_run_result{result=\"failed\"} 1"))
        #expect(metrics.contains("preload_sync_list_serial 3"))
    }

    /// A second run while one holds the state directory's lock stops at once and writes nothing.
    @Test func aSecondRunWhileOneHoldsTheLockWritesNothing() async throws {
        let dir = try fixtures(["a.example"])
        let state = StateDirectory(dir.file("state"))
        try state.prepare()
        let second = try run(dir)
        try await state.withSyncLock {
            await #expect(throws: StateDirectory.SyncLockHeld.self) { _ = try await second.run() }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("sync.prom")))
        #expect(state.installed() == nil)
    }

    /// `preload resolve` takes U-labels like every other command's domain argument, and refuses a bad name as
    /// a usage error.
    @Test func resolveConvertsULabels() async throws {
        let dir = try fixtures(["xn--bcher-kva.example", "plain.example"])
        let binary = try Tool.preloadBinary()
        let env = ["PRELOAD_NOW": now.rfc3339]
        let sync = try await Tool.run(binary, ["sync", "--source", dir.file("list.json"), "--allowed-signers", dir.file("allowed_signers"),
                                               "--state", dir.file("state")], environment: env)
        #expect(sync.status == 0, "\(sync.stderr)")
        for (argument, name) in [("bücher.example", "xn--bcher-kva.example"), ("BÜCHER.example.", "xn--bcher-kva.example"),
                                 ("PLAIN.example", "plain.example")] {
            let out = try await Tool.run(binary, ["resolve", argument, "--state", dir.file("state"), "--no-mta-sts", "--no-dane", "--format", "json"],
                                         environment: env)
            #expect(out.status == 0, "\(argument): \(out.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            #expect(json?["domain"] as? String == name)
            #expect(json?["source"] as? String == "preload")
            #expect(json?["mx"] as? [String] == ["mx.\(name)"])
        }
        let bad = try await Tool.run(binary, ["resolve", "not a name", "--state", dir.file("state"), "--no-mta-sts"], environment: env)
        #expect(bad.status == 64)
    }
}
