import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadSMTPProbe
import PreloadSigning
import PreloadTesting
import Testing

/// End to end with DANE: a real Postfix sender (`smtp_dns_support_level = dnssec`, a validating resolver whose
/// AD bit it trusts) asks our socketmap daemon (`--dane`) for the TLS policy of the test bed's signed domains.
/// The list names sts.dane.test (enforce), yet it is answered `dane-only`, never `secure`. Mail to the DANE-EE
/// domain with a self-signed certificate is delivered over a DANE-verified session; mail to the domain whose
/// TLSA record no longer matches stays deferred.
@Suite("Postfix as the sender, with DANE", .serialized) struct DANEPostfixSenderTests {
    @Test func daneDecidesAndPostfixVerifies() async throws {
        let bed = try await NetTestBed.shared
        let anchor = try bed.requireTrustAnchor()
        let scratch = try ScratchDirectory("preload-dane-sender")
        let state = scratch.file("state")
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let now = Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970))

        // A signed list naming sts.dane.test, synced into a client state directory.
        let listed = try DomainName("sts.dane.test")
        let entries = [ListEntry(domain: listed, policy: .patterns(mode: .enforce, mx: [try MXPattern("mx1.sts.dane.test")]),
                                 provenance: Provenance(method: .manual, added: now, verified: now))]
        let origin = try await ListRepo(scratch)
        try origin.publish(try Ed25519PrivateKey.generate(), entries: entries, at: now, bootstrap: true, publisher: "ops@preload.test")
        try scratch.write("allowed_signers", String(decoding: origin.work("list/allowed_signers")!, as: UTF8.self))
        let sync = try await Tool.run(try Tool.preloadBinary(), ["sync", "--source", origin.path, "--allowed-signers",
                                                                 scratch.file("allowed_signers"), "--state", state])
        try #require(sync.status == 0, "sync: \(sync.stdout) \(sync.stderr)")

        let port = Int.random(in: 28000..<32000)
        let table = "socketmap:inet:127.0.0.1:\(port):postfix"
        let daemon = try ChildProcess(try Tool.preloadBinary(), [
            "socketmap", "--listen", "127.0.0.1:\(port)", "--state", state, "--no-mta-sts", "--dane",
            "--dns", bed.dns.server, "--trust-anchor", anchor, "--log-level", "debug",
        ], log: scratch.file("socketmap.log"))
        try await withCleanup({ await daemon.stop() }) {
            try FileManager.default.createDirectory(atPath: scratch.file("postmap-etc"), withIntermediateDirectories: true)
            try scratch.write("postmap-etc/main.cf", "compatibility_level = 3.6\n")
            func query(_ domain: String) async throws -> ProcessOutput {
                try await Tool.run("/usr/sbin/postmap", ["-c", scratch.file("postmap-etc"), "-q", domain, table])
            }
            var answer = ""
            for _ in 0..<50 {
                answer = try await query("ee.dane.test").stdout
                if !answer.isEmpty { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(answer.trimmingCharacters(in: .whitespacesAndNewlines) == "dane-only", "\(answer)")
            #expect(try await query("sts.dane.test").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "dane-only")
            #expect(try await query("renewed.dane.test").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "dane-only")
            let bogus = try await query("bogus.dane.test")
            #expect(bogus.status != 0 && bogus.stdout.isEmpty, "\(bogus.stdout) \(bogus.stderr)")  // TEMP

            let sender = try await PostfixSender(directory: scratch.file("sender"), dnsServer: bed.dns.server, caFile: bed.caFile,
                                                 policyMaps: table, forwarderAddress: "127.0.9.56", trustAnchor: anchor)
            try await withCleanup({ await sender.stop() }) {
                let domains = ["ee.dane.test", "sts.dane.test", "renewed.dane.test"]
                func recipient(_ domain: String) -> String { "e2e-\(tag)@\(domain)" }
                func delivered(_ domain: String) -> Bool {
                    let dir = bed.mailDir + "/" + domain + "/new"
                    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).contains { name in
                        (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8))?.contains("Subject: dane-e2e \(tag) \(domain)") ?? false
                    }
                }
                for domain in domains { try await sender.send(to: recipient(domain), subject: "dane-e2e \(tag) \(domain)") }
                func settled() -> Bool {
                    delivered("ee.dane.test") && delivered("sts.dane.test")
                        && sender.logLines(for: recipient("renewed.dane.test")).contains { $0.contains("status=deferred") }
                }
                let deadline = Date().addingTimeInterval(90)
                while !settled() && Date() < deadline { try await Task.sleep(for: .milliseconds(500)) }

                for domain in ["ee.dane.test", "sts.dane.test"] {
                    #expect(delivered(domain), "\(domain): \(sender.log)")
                    #expect(sender.logLines(for: recipient(domain)).contains { $0.contains("status=sent") }, "\(domain)")
                    // ee.dane.test's certificate is self-signed: only DANE can have verified it.
                    #expect(sender.log.contains("Verified TLS connection established to mx1.\(domain)"), "\(domain): \(sender.log)")
                }
                let renewed = sender.logLines(for: recipient("renewed.dane.test"))
                #expect(renewed.contains { $0.contains("status=deferred") }, "\(renewed)")
                #expect(!delivered("renewed.dane.test"))
                #expect(try await sender.queuedRecipients().contains(recipient("renewed.dane.test")))
                #expect(!sender.log.contains("Verified TLS connection established to mx1.renewed.dane.test"))
                #expect(sender.log.contains("server certificate verification failed for mx1.renewed.dane.test[127.0.92.1]:25: num=65:no matching DANE TLSA records"),
                        "\(sender.log)")
                #expect(daemon.isRunning)
                if ProcessInfo.processInfo.environment["PRELOAD_PRINT_SENDER_LOG"] != nil { print(sender.log) }
            }
        }
    }
}
