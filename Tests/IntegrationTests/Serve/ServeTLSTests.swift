import Foundation
import PreloadTesting
import Testing

/// `preload serve --tls-cert --tls-key`: HTTPS served directly (OpenSSL over memory BIOs), tested with curl
/// against a CA made for the test: requests and bodies over TLS, a failed handshake that leaves the other
/// clients alone, and certificates refused at start-up.
@Suite("preload serve over HTTPS", .serialized) struct ServeTLSTests {
    /// A CA and a certificate for 127.0.0.1 and localhost signed by it, plus an unrelated key.
    struct Certificates {
        let dir: ScratchDirectory
        var ca: String { dir.file("ca.pem") }
        var cert: String { dir.file("server.pem") }
        var key: String { dir.file("server.key") }
        var otherKey: String { dir.file("other.key") }

        init() async throws {
            dir = try ScratchDirectory("serve-tls")
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
            try await Self.openssl(["req", "-x509"] + ec + ["-keyout", dir.file("ca.key"), "-out", dir.file("ca.pem"), "-days", "2",
                                                            "-subj", "/CN=preload serve test CA"])
            try await Self.openssl(["req"] + ec + ["-keyout", dir.file("server.key"), "-out", dir.file("server.csr"), "-subj", "/CN=127.0.0.1"])
            try dir.write("ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
            try await Self.openssl(["x509", "-req", "-in", dir.file("server.csr"), "-CA", dir.file("ca.pem"), "-CAkey", dir.file("ca.key"),
                                    "-CAcreateserial", "-out", dir.file("server.pem"), "-days", "2", "-extfile", dir.file("ext")])
            try await Self.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir.file("other.key")])
        }

        static func openssl(_ arguments: [String]) async throws {
            let out = try await Tool.run("openssl", arguments)
            guard out.status == 0 else { throw TestBedError("openssl \(arguments.joined(separator: " ")): \(out.stderr)") }
        }
    }

    /// Reads from `fd` until the peer closes (or the socket's read timeout): what the server sent.
    static func readUntilClosed(_ fd: Int32) -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (out, true) }
            if n < 0 { return (out, false) }
            out += buffer[0..<n]
        }
    }

    @Test("HTTPS on loopback: requests, bodies, a bad handshake beside good clients")
    func servesHTTPS() async throws {
        let certs = try await Certificates()
        let server = try await ServeProcess("serve-tls", arguments: [
            "--tls-cert", certs.cert, "--tls-key", certs.key, "--trusted-proxy", "127.0.0.1",
        ])
        try await withCleanup({ _ = await server.stop() }) {
            #expect(server.url.hasPrefix("https://127.0.0.1:"))
            let port = try #require(Int(server.url.split(separator: ":").last ?? ""))
            let c = ServeClient(server.url, curlOptions: ["--cacert", certs.ca])

            // A client that opens a connection and stalls in the middle of its ClientHello, and one that speaks
            // plain HTTP to the TLS port: both are its own connection's business.
            let stalled = try RawSocketClient(port: port, timeoutSeconds: 2)
            try stalled.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
            let plain = try RawSocketClient(port: port, timeoutSeconds: 10)
            try plain.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let plainFD = plain.fd
            let refused = try await onThread { Self.readUntilClosed(plainFD) }
            withExtendedLifetime(plain) {}
            #expect(refused.closed, "a plain-HTTP client is disconnected")
            #expect(!String(decoding: refused.bytes, as: UTF8.self).contains("200 OK"))

            let health = try await c.send("GET", "/healthz")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "ok")
            // Bodies both ways: a JSON request, a body of several TLS records, the body limit, a larger answer.
            let contact = try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"tls@notify.test"}"#)
            #expect(contact.status == 202, "\(contact.body)")
            #expect(contact.json["state"] as? String == "confirmation-recorded")
            let padded = #"{"contact":"tls2@notify.test","pad":""# + String(repeating: "x", count: 15_000) + #""}"#
            #expect(try await c.send("POST", "/api/v1/contacts", json: padded).status == 202)
            #expect(try await c.send("POST", "/api/v1/contacts", body: [UInt8](repeating: 0x20, count: 17 * 1024),
                                     contentType: "application/json").status == 413)
            let metrics = try await c.send("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("preload_http_requests_total"))
            // Many requests on one connection (curl reuses it for several URLs).
            let urls = [server.url + "/healthz", server.url + "/healthz", server.url + "/api/v1/domains/good.test"]
            let out = try await Tool.run("curl", ["-s", "-S", "--cacert", certs.ca, "-w", "%{http_code} %{num_connects}\n"]
                                       + urls.flatMap { ["-o", "/dev/null", $0] })
            #expect(out.stdout.split(separator: "\n") == ["200 1", "200 0", "200 0"], "\(out.stderr)")
            // The stalled client is still stalled, and the others were served meanwhile; an unknown CA is refused.
            let stalledFD = stalled.fd
            #expect(!(try await onThread { Self.readUntilClosed(stalledFD) }).closed)
            withExtendedLifetime(stalled) {}
            let untrusted = try await Tool.run("curl", ["-s", "-S", "-o", "/dev/null", server.url + "/healthz"])
            #expect(untrusted.status == 60, "curl must not trust a certificate of an unknown CA: \(untrusted.stderr)")
            #expect(await server.stop() == 0)
        }
    }

    @Test("a certificate and key that do not belong together are refused at start-up")
    func refusesAMismatchedKey() async throws {
        let certs = try await Certificates()
        let binary = try Tool.preloadBinary()
        let state = certs.dir.file("state")
        let mismatch = try await Tool.run(binary, ["serve", "--listen", "127.0.0.1:0", "--state", state,
                                                   "--tls-cert", certs.cert, "--tls-key", certs.otherKey], timeout: 30)
        #expect(mismatch.status == 78)
        #expect(mismatch.stderr.contains("does not belong to the certificate"), "\(mismatch.stderr)")
        let missing = try await Tool.run(binary, ["serve", "--listen", "127.0.0.1:0", "--state", state,
                                                  "--tls-cert", certs.dir.file("nope.pem"), "--tls-key", certs.key], timeout: 30)
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("nope.pem"))
        let notPEM = try await Tool.run(binary, ["serve", "--listen", "127.0.0.1:0", "--state", state,
                                                 "--tls-cert", certs.cert, "--tls-key", certs.dir.file("ext")], timeout: 30)
        #expect(notPEM.status == 78)
        let alone = try await Tool.run(binary, ["serve", "--listen", "127.0.0.1:0", "--state", state, "--tls-cert", certs.cert],
                                       timeout: 30)
        #expect(alone.status == 64)
        #expect(!FileManager.default.fileExists(atPath: state + "/state.sqlite"), "nothing was created before refusing")
    }
}
