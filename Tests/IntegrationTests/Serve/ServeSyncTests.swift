import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// `preload sync` from the service's published list over HTTPS, as deployed (nginx terminating TLS in front
/// of `preload serve`, README "Running the service"): the first sync downloads and installs; the next one
/// sends If-None-Match with the installed list's ETag, gets 304 and reports unchanged without downloading
/// (the service's log shows a 304 and no signature download); a new publish is downloaded again.
@Suite("preload sync with If-None-Match", .serialized) struct ServeSyncTests {
    @Test("sync reports unchanged on 304 and downloads only a changed list")
    func conditionalSync() async throws {
        let binary = try Tool.preloadBinary()
        let scratch = try ScratchDirectory("serve-sync")
        let repo = try await SignFixtures.repository(in: scratch, "repo")
        let key = scratch.file("signing.key")
        #expect(try await Tool.run(binary, ["keygen", "--out", key, "--comment", "serve-sync"]).status == 0)
        func publish(_ domains: [String], bootstrap: Bool) async throws {
            try scratch.write("entries.json", bytes: SignFixtures.listFile(try domains.map { try SignFixtures.entry($0) }))
            let out = try await Tool.run(binary, ["publish", "--repo", repo, "--signing-key", key, "--entries", scratch.file("entries.json"),
                                                  "--publisher", "ops@example.org", "--author-name", "t", "--author-email", "t@example.org"]
                                         + (bootstrap ? ["--bootstrap"] : []))
            guard out.status == 0 else { throw TestBedError("publish: \(out.stderr)") }
        }
        try await publish(["good.test"], bootstrap: true)

        let server = try await ServeProcess("serve-sync", arguments: ["--repo", repo])
        try await withCleanup({ _ = await server.stop() }) {

            // nginx with TLS in front of the service (a certificate for localhost made here, trusted by --ca-file).
            let tls = scratch.file("tls")
            try FileManager.default.createDirectory(atPath: tls, withIntermediateDirectories: true)
            let cert = try await Tool.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-days", "2",
                                                      "-keyout", tls + "/key.pem", "-out", tls + "/cert.pem"])
            #expect(cert.status == 0, "\(cert.stderr)")
            let port = try await Self.freePort()
            try """
                worker_processes 1;
                pid \(tls)/nginx.pid;
                error_log \(tls)/error.log warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path \(tls)/tmp; proxy_temp_path \(tls)/tmp; fastcgi_temp_path \(tls)/tmp;
                    uwsgi_temp_path \(tls)/tmp; scgi_temp_path \(tls)/tmp;
                    server {
                        listen 127.0.0.1:\(port) ssl;
                        ssl_certificate \(tls)/cert.pem;
                        ssl_certificate_key \(tls)/key.pem;
                        location / {
                            proxy_pass \(server.url);
                            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        }
                    }
                }
                """.write(toFile: tls + "/nginx.conf", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: tls + "/tmp", withIntermediateDirectories: true)
            // nginx in the foreground (daemon off), a child of this test, stopped at the end.
            let nginx = Process()
            nginx.executableURL = URL(fileURLWithPath: try Tool.which("nginx"))
            nginx.arguments = ["-p", tls, "-c", tls + "/nginx.conf", "-g", "daemon off;"]
            nginx.standardOutput = FileHandle.nullDevice
            nginx.standardError = FileHandle.nullDevice
            try nginx.run()
            try await withCleanup({ nginx.terminate(); await waitForExit(nginx) }) {
                var listening = false
                for _ in 0..<100 where !listening {
                    listening = (try? await Tool.run("curl", ["-sk", "-o", "/dev/null", "https://localhost:\(port)/healthz"]))?.status == 0
                    if !listening { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(listening, "nginx did not start: \((try? String(contentsOfFile: tls + "/error.log", encoding: .utf8)) ?? "")")

                let source = "https://localhost:\(port)/list/preload.json"
                func sync() async throws -> [String: Any] {
                    let out = try await Tool.run(binary, ["sync", "--source", source, "--allowed-signers", repo + "/list/allowed_signers",
                                                          "--state", scratch.file("client"), "--ca-file", tls + "/cert.pem", "--format", "json"])
                    #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
                    return (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String: Any] ?? [:]
                }
                func logCount(_ route: String, status: Int) -> Int {
                    server.log.split(separator: "\n").filter { $0.contains("route=\(route) ") && $0.contains("status=\(status)") }.count
                }

                let first = try await sync()
                #expect(first["result"] as? String == "updated")
                #expect(first["not_modified"] == nil)
                #expect(logCount("/list/preload.json", status: 200) == 1)
                #expect(logCount("/list/preload.json.sig", status: 200) == 1)

                let second = try await sync()
                #expect(second["result"] as? String == "unchanged")
                #expect(second["not_modified"] as? Bool == true)
                #expect(second["serial"] as? Int == first["serial"] as? Int)
                #expect(logCount("/list/preload.json", status: 304) == 1)
                #expect(logCount("/list/preload.json", status: 200) == 1)
                #expect(logCount("/list/preload.json.sig", status: 200) == 1)  // not fetched again

                // A new publish: downloaded, verified, installed.
                try await publish(["good.test", "good2.test"], bootstrap: false)
                let third = try await sync()
                #expect(third["result"] as? String == "updated")
                #expect((third["serial"] as? Int ?? 0) > (first["serial"] as? Int ?? 0))
                #expect(logCount("/list/preload.json", status: 200) == 2)
                let text = try await Tool.run(binary, ["sync", "--source", source, "--allowed-signers", repo + "/list/allowed_signers",
                                                       "--state", scratch.file("client"), "--ca-file", tls + "/cert.pem"])
                #expect(text.stdout.contains("not modified: HTTP 304"))
            }
        }
    }

    static func freePort() async throws -> Int {
        let out = try await Tool.run("python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        guard let port = Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw TestBedError("no free port") }
        return port
    }
}
