import Foundation
import PreloadClient
import PreloadCore
import PreloadSigning
import PreloadTesting
import Testing

/// `preload sync --metrics-file`: the file node_exporter's textfile collector reads, checked by a real
/// node_exporter (Debian's prometheus-node-exporter, on loopback) after runs that update, keep, refuse
/// and cannot reach the list.
@Suite("preload sync --metrics-file", .serialized) struct SyncMetricsTests {
    let key = try! Ed25519PrivateKey.generate()
    let t0 = SignFixtures.t0

    func signedList(_ dir: ScratchDirectory, serial: UInt64) throws {
        let list = ListCodec.encode(PreloadList(serial: serial, generated: t0, expires: t0.adding(days: 14),
                                                publisher: "ops@example.org",
                                                entries: [try SignFixtures.entry("a.example"), try SignFixtures.entry("b.example")]))
        try dir.write("list.json", bytes: list)
        try dir.write("list.json.sig", try SSHSignature.sign(list, namespace: "preload-list", with: key).armored)
    }

    /// Runs `preload sync` at `now` writing `textfile/preload.prom`.
    func sync(_ dir: ScratchDirectory, source: String, at now: Timestamp) async throws -> Int32 {
        let out = try await Tool.run(try Tool.preloadBinary(), [
            "sync", "--source", source, "--state", dir.file("state"), "--allowed-signers", dir.file("allowed_signers"),
            "--metrics-file", dir.file("textfile/preload.prom"),
        ], environment: ["PRELOAD_NOW": now.rfc3339], timeout: 120)
        return out.status
    }

    /// What node_exporter serves from the textfile directory: `name{labels}` → value.
    func scrape(_ dir: ScratchDirectory) async throws -> [String: Double] {
        let port = try freePort()
        let exporter = Process()
        exporter.executableURL = URL(fileURLWithPath: try Tool.which("prometheus-node-exporter"))
        exporter.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.textfile",
                              "--collector.textfile.directory=\(dir.file("textfile"))"]
        exporter.standardOutput = FileHandle.nullDevice
        exporter.standardError = FileHandle.nullDevice
        try exporter.run()
        var body = ""
        try await withCleanup({
            exporter.terminate()
            await waitForExit(exporter)
        }) {
            for _ in 0..<100 {
                let out = try await Tool.run("curl", ["-sf", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"], timeout: 10)
                if out.status == 0 {
                    body = out.stdout
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        var samples: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(fd, p, length) == 0 && getsockname(fd, p, &length) == 0
            }
        }
        guard bound else { throw SignTestError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func nodeExporterReadsTheMetricsOfEachRun() async throws {
        let dir = try ScratchDirectory("preload-sync-metrics")
        try FileManager.default.createDirectory(atPath: dir.file("textfile"), withIntermediateDirectories: true)
        try dir.write("allowed_signers", AllowedSigners(entries: [.init(principals: ["ops@example.org"], key: SSHPublicKey(key.publicKey),
                                                                        namespaces: ["preload-list"])]).text)
        try signedList(dir, serial: 7)
        let first = t0.adding(days: 1)

        #expect(try await sync(dir, source: dir.file("list.json"), at: first) == 0)
        var m = try await scrape(dir)
        #expect(m["node_textfile_scrape_error"] == 0)
        #expect(m["preload_sync_last_run_result{result=\"updated\"}"] == 1)
        #expect(m["preload_sync_last_run_result{result=\"refused\"}"] == 0)
        #expect(m["preload_sync_last_run_timestamp_seconds"] == Double(first.secondsSince1970))
        #expect(m["preload_sync_last_success_timestamp_seconds"] == Double(first.secondsSince1970))
        #expect(m["preload_sync_list_serial"] == 7)
        #expect(m["preload_sync_list_generated_timestamp_seconds"] == Double(t0.secondsSince1970))
        #expect(m["preload_sync_list_age_seconds"] == 86400)
        #expect(m["preload_sync_list_expiry_timestamp_seconds"] == Double(t0.adding(days: 14).secondsSince1970))
        #expect(m["preload_sync_list_expired"] == 0)
        #expect(m["preload_sync_list_domains"] == 2)
        // Only the metrics file is left: the temporary file was renamed over it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("textfile")) == ["preload.prom"])

        let second = t0.adding(days: 2)
        #expect(try await sync(dir, source: dir.file("list.json"), at: second) == 0)
        m = try await scrape(dir)
        #expect(m["preload_sync_last_run_result{result=\"unchanged\"}"] == 1)
        #expect(m["preload_sync_last_success_timestamp_seconds"] == Double(second.secondsSince1970))
        #expect(m["preload_sync_list_age_seconds"] == Double(2 * 86400))

        // A tampered list: refused; the last success and the installed list stay.
        var tampered = try dir.read("list.json")
        tampered[tampered.count / 2] ^= 0x01
        try dir.write("tampered.json", bytes: tampered)
        try FileManager.default.copyItem(atPath: dir.file("list.json.sig"), toPath: dir.file("tampered.json.sig"))
        let third = t0.adding(days: 3)
        #expect(try await sync(dir, source: dir.file("tampered.json"), at: third) == 1)
        m = try await scrape(dir)
        #expect(m["preload_sync_last_run_result{result=\"refused\"}"] == 1)
        #expect(m["preload_sync_last_run_result{result=\"unchanged\"}"] == 0)
        #expect(m["preload_sync_last_run_timestamp_seconds"] == Double(third.secondsSince1970))
        #expect(m["preload_sync_last_success_timestamp_seconds"] == Double(second.secondsSince1970))
        #expect(m["preload_sync_list_serial"] == 7)

        // Unreachable, and later than the list's expiry: the list is reported expired.
        let late = t0.adding(days: 15)
        #expect(try await sync(dir, source: dir.file("missing.json"), at: late) == 1)
        m = try await scrape(dir)
        #expect(m["preload_sync_last_run_result{result=\"unreachable\"}"] == 1)
        #expect(m["preload_sync_list_expired"] == 1)
        #expect(m["node_textfile_scrape_error"] == 0)
    }
}
