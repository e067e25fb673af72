import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadSigning
import PreloadTesting
import Testing

/// End to end with a real Postfix as the sender: a signed list (good.test, self-signed.test,
/// wrong-name.test, all `enforce`) is published to a git repository, synced into a client state directory,
/// and given to a private Postfix instance through `smtp_tls_policy_maps` — once as our socketmap daemon
/// (`--no-mta-sts`, so every decision comes from the list), once as the static `hash:` table written by
/// `preload sync --postfix-map --postmap`. Mail to the listed domain with a valid MX certificate is
/// delivered into the test bed's mailbox; mail to the listed domains whose MX presents a self-signed or
/// wrong-name certificate is deferred and stays queued; mail to an unlisted domain goes through
/// opportunistically.
@Suite("Postfix as the sender", .serialized) struct PostfixSenderTests {
    static let listed = ["good.test", "self-signed.test", "wrong-name.test"]
    static let unlisted = "no-sts.test"

    /// The published, synced list and what the tests need around it.
    struct Setup {
        let testBed: NetTestBed
        let scratch: ScratchDirectory
        let state: String
        let tag: String

        init(postfixMap: String? = nil) async throws {
            testBed = try await NetTestBed.shared
            scratch = try ScratchDirectory("preload-postfix-sender")
            state = scratch.file("state")
            tag = String(UUID().uuidString.prefix(8)).lowercased()
            let now = Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970))
            var entries: [ListEntry] = []
            for name in PostfixSenderTests.listed {
                let patterns = try testBed.domain(name).mx.map { try MXPattern($0.host) }
                entries.append(ListEntry(domain: try DomainName(name), policy: .patterns(mode: .enforce, mx: patterns),
                                         provenance: Provenance(method: .manual, added: now, verified: now)))
            }
            let origin = try await ListRepo(scratch)
            try origin.publish(try Ed25519PrivateKey.generate(), entries: entries, at: now, bootstrap: true,
                               publisher: "ops@preload.test")
            try scratch.write("allowed_signers", String(decoding: origin.work("list/allowed_signers")!, as: UTF8.self))
            try FileManager.default.createDirectory(atPath: scratch.file("postmap-etc"), withIntermediateDirectories: true)
            try scratch.write("postmap-etc/main.cf", "compatibility_level = 3.6\n")
            var arguments = ["sync", "--source", origin.path, "--allowed-signers", scratch.file("allowed_signers"),
                             "--state", state, "--format", "json"]
            if let postfixMap {
                arguments += ["--postfix-map", postfixMap, "--postmap", "--postfix-config", scratch.file("postmap-etc")]
            }
            let sync = try await Tool.run(try Tool.preloadBinary(), arguments)
            guard sync.status == 0 else { throw TestBedError("preload sync failed: \(sync.stdout) \(sync.stderr)") }
        }

        func recipient(_ domain: String) -> String { "e2e-\(tag)@\(domain)" }

        /// Whether a message with `subject` was delivered into the test bed's mailbox of `domain`.
        func delivered(_ domain: String, subject: String) -> Bool {
            let dir = testBed.mailDir + "/" + domain + "/new"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return names.contains { name in
                (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8))?.contains("Subject: \(subject)") ?? false
            }
        }
    }

    /// Sends one message to each domain and checks the outcome.
    private func sendAndCheck(_ setup: Setup, sender: PostfixSender) async throws {
        let domains = Self.listed + [Self.unlisted]
        for domain in domains {
            try await sender.send(to: setup.recipient(domain), subject: "preload-e2e \(setup.tag) \(domain)")
        }
        func settled() -> Bool {
            setup.delivered("good.test", subject: "preload-e2e \(setup.tag) good.test")
                && setup.delivered(Self.unlisted, subject: "preload-e2e \(setup.tag) \(Self.unlisted)")
                && ["self-signed.test", "wrong-name.test"].allSatisfy { domain in
                    sender.logLines(for: setup.recipient(domain)).contains { $0.contains("status=deferred") }
                }
        }
        let deadline = Date().addingTimeInterval(90)
        while !settled() && Date() < deadline { try await Task.sleep(for: .milliseconds(500)) }

        #expect(setup.delivered("good.test", subject: "preload-e2e \(setup.tag) good.test"), "\(sender.log)")
        let goodLines = sender.logLines(for: setup.recipient("good.test"))
        #expect(goodLines.contains { $0.contains("status=sent") })
        #expect(sender.log.contains("Verified TLS connection established to mx1.good.test")
            || sender.log.contains("Verified TLS connection established to mx2.good.test"))

        for domain in ["self-signed.test", "wrong-name.test"] {
            let lines = sender.logLines(for: setup.recipient(domain))
            #expect(lines.contains { $0.contains("status=deferred") }, "\(domain): \(lines)")
            #expect(lines.contains { $0.contains("Server certificate not verified") }, "\(domain): \(lines)")
            #expect(!setup.delivered(domain, subject: "preload-e2e \(setup.tag) \(domain)"))
        }
        #expect(sender.log.contains("certificate verification failed for mx1.self-signed.test"))
        #expect(sender.log.contains("certificate verification failed for mx1.wrong-name.test"))
        let queued = try await sender.queuedRecipients()
        #expect(queued.contains(setup.recipient("self-signed.test")))
        #expect(queued.contains(setup.recipient("wrong-name.test")))
        #expect(!queued.contains(setup.recipient("good.test")))

        #expect(setup.delivered(Self.unlisted, subject: "preload-e2e \(setup.tag) \(Self.unlisted)"), "\(sender.log)")
        #expect(sender.logLines(for: setup.recipient(Self.unlisted)).contains { $0.contains("status=sent") })
        // Opportunistic: TLS without verification of the name (Postfix says Trusted, not Verified).
        #expect(!sender.log.contains("Verified TLS connection established to mx1.\(Self.unlisted)"))
    }

    @Test func throughTheSocketmapDaemon() async throws {
        let setup = try await Setup()
        let port = Int.random(in: 24000..<28000)
        let table = "socketmap:inet:127.0.0.1:\(port):postfix"
        let daemon = try ChildProcess(try Tool.preloadBinary(), [
            "socketmap", "--listen", "127.0.0.1:\(port)", "--state", setup.state, "--no-mta-sts", "--log-level", "debug",
        ], log: setup.scratch.file("socketmap.log"))
        try await withCleanup({ await daemon.stop() }) {
            // The daemon answers from the list before Postfix asks.
            var answer = ""
            for _ in 0..<50 {
                answer = try await Tool.run("/usr/sbin/postmap", ["-c", setup.scratch.file("postmap-etc"), "-q", "good.test", table]).stdout
                if !answer.isEmpty { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(answer.hasPrefix("secure match=mx1.good.test:mx2.good.test"), "\(answer)")
            let unlisted = try await Tool.run("/usr/sbin/postmap", ["-c", setup.scratch.file("postmap-etc"), "-q", Self.unlisted, table])
            #expect(unlisted.status == 1 && unlisted.stdout.isEmpty)

            let sender = try await PostfixSender(directory: setup.scratch.file("sender"), dnsServer: setup.testBed.dns.server,
                                                 caFile: setup.testBed.caFile, policyMaps: table)
            try await withCleanup({ await sender.stop() }) {
                try await sendAndCheck(setup, sender: sender)
                #expect(daemon.isRunning)
            }
        }
    }

    @Test func throughTheStaticTableWrittenBySync() async throws {
        let scratchMap = FileManager.default.temporaryDirectory.appendingPathComponent("preload-map-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratchMap, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratchMap) }
        chmod(scratchMap, 0o755)
        let map = scratchMap + "/tls_policy"
        let setup = try await Setup(postfixMap: map)
        #expect(FileManager.default.fileExists(atPath: map + ".db"))
        let text = try String(contentsOfFile: map, encoding: .utf8)
        #expect(text.contains("good.test secure match=mx1.good.test:mx2.good.test servername=hostname"), "\(text)")

        let sender = try await PostfixSender(directory: setup.scratch.file("sender"), dnsServer: setup.testBed.dns.server,
                                             caFile: setup.testBed.caFile, policyMaps: "hash:" + map)
        try await withCleanup({ await sender.stop() }) {
            try await sendAndCheck(setup, sender: sender)
        }
    }
}
