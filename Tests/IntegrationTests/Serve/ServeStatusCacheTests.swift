import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// The status cache of `preload serve` (answers kept until the state changes): a write by another process
/// (`preload submit` on the same state) shows within the documented bound (the commit counter is polled
/// every 0.25 s; the test allows a second), a write through the service shows at once, an answer that time
/// alone changes (an open challenge expiring) is not served past that time, and no stale answer follows.
@Suite("preload serve status cache", .serialized) struct ServeStatusCacheTests {
    /// The documented bound (0.25 s) with room for a loaded machine.
    static let bound: Duration = .seconds(1)

    @Test("writes by another process and by the service, and challenge expiry, reach cached status answers")
    func statusCache() async throws {
        let bed = try await NetTestBed.shared
        let names = TestBedNames(bed)
        let server = try await ServeProcess("serve-cache", arguments: [
            "--allow-private-targets", "--trusted-proxy", "127.0.0.1", "--read-limit", "1000/min",
        ])
        try await withCleanup({ _ = await server.stop() }) {
            let c = ServeClient(server.url)
            try await names.removingAfterwards {
                try await exercise(c, server: server, bed: bed, names: names)
            }
        }
    }

    func status(_ c: ServeClient, _ domain: String) async throws -> HTTPExchange {
        let answer = try await c.send("GET", "/api/v1/domains/\(domain)")
        #expect(answer.status == 200, "\(answer.body)")
        return answer
    }

    func exercise(_ c: ServeClient, server: ServeProcess, bed: NetTestBed, names: TestBedNames) async throws {
        // A write through the service: visible at once, with no wait.
        let own = try await names.mailDomain("serve-cache-own")
        for _ in 0..<3 { #expect(try await status(c, own).json["state"] as? String == "unknown") }
        let submitted = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(own)","contact":"owner@notify.test"}"#)
        #expect(submitted.status == 202, "\(submitted.body)")
        for _ in 0..<3 { #expect(try await status(c, own).json["state"] as? String == "pending-verification") }

        // Another process: `preload submit` on the server's state, while the answer "unknown" is cached.
        let other = try await names.mailDomain("serve-cache")
        for _ in 0..<3 { #expect(try await status(c, other).json["state"] as? String == "unknown") }
        // Its clock is set so that the one-day challenge expires a few seconds from now (real time, the
        // server's clock).
        let lifetime: Int64 = 15
        let now = Int64(Date().timeIntervalSince1970)
        let issuedAt = Timestamp(secondsSince1970: now - 86_400 + lifetime)
        let submit = try await Tool.run(try Tool.preloadBinary(), [
            "submit", other, "--contact", "owner@notify.test", "--state", server.state, "--challenge-expiry-days", "1",
            "--format", "json",
        ], environment: ["PRELOAD_NOW": issuedAt.rfc3339, "PRELOAD_DNS": bed.dns.server, "PRELOAD_CA_FILE": bed.caFile])
        #expect(submit.status == 0, "\(submit.stdout)\(submit.stderr)")
        #expect(submit.stdout.contains("challenge-issued"), "\(submit.stdout)")
        try await Task.sleep(for: Self.bound)
        for _ in 0..<5 {
            let pending = try await status(c, other).json
            #expect(pending["state"] as? String == "pending-verification", "\(pending)")
            #expect(pending["challenge"] != nil)
            #expect((pending["next"] as? [String: Any])?["kind"] as? String == "awaiting-challenge")
        }

        // Time alone: once the challenge has expired, the cached answer that showed it (nothing was written
        // since) is not served again; the state did not change (a GET never expires anything).
        let expires = issuedAt.secondsSince1970 + 86_400
        let wait = expires - Int64(Date().timeIntervalSince1970) + 1
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        for _ in 0..<5 {
            let expired = try await status(c, other).json
            #expect(expired["state"] as? String == "pending-verification", "\(expired)")
            #expect(expired["challenge"] == nil, "\(expired)")
            #expect((expired["next"] as? [String: Any])?["kind"] as? String == "challenge-expired", "\(expired)")
        }
    }
}
