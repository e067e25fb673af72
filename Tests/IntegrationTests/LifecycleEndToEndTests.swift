import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// The whole life of domains, driven through the built `preload` binary against the test bed: submit →
/// challenge in DNS → probation → listed in a signed, committed list → an expired MX certificate → failing →
/// removed; removal by the owner; the `mode: none` opt-out. Uses the `life-*` scenarios only, and puts back
/// what it changes (certificate, policy, DNS) so that it can run again.
@Suite("Lifecycle end to end", .serialized) struct LifecycleEndToEndTests {
    static let certDomain = "life-cert.test"
    static let ownerDomain = "life-owner.test"
    static let optOutDomain = "life-optout.test"
    static let enforcePolicy = "version: STSv1\nmode: enforce\nmx: *.life-optout.test\nmax_age: 604800\n"
    static let nonePolicy = "version: STSv1\nmode: none\nmax_age: 86400\n"

    /// Now, to the second: the test bed's certificates are valid from yesterday for a year, so the rehearsed
    /// weeks must start today.
    static func today() -> Timestamp { Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970)) }

    /// The whole life on the embedded SQLite state, and on a PostgreSQL state (then copied to SQLite and back
    /// with `preload state migrate`, every answer the same).
    @Test(arguments: ["sqlite", "postgres"]) func wholeLife(_ backend: String) async throws {
        let cli = try await PreloadCLI("preload-life", postgres: backend == "postgres")
        let bed = cli.bed
        let run = String(UUID().uuidString.prefix(8)).lowercased()
        let contact = "life-\(run)@notify.test"
        let domains = [Self.certDomain, Self.ownerDomain, Self.optOutDomain]
        let mx1 = try bed.mxAddress(Self.certDomain).address
        // Put the test bed back, whatever happened.
        try await withCleanup({
            _ = try? await Tool.run(bed.testbed, ["swap-cert", mx1, "valid"])
            _ = try? await Tool.run(bed.testbed, ["policy-set", Self.optOutDomain, "-"], stdin: Array(Self.enforcePolicy.utf8))
            for d in domains { _ = try? await Tool.run(bed.testbed, ["dns-remove", "_preload-challenge.\(d)"]) }
        }) {
            let t0 = Self.today()

            // Submit: challenge → DNS → submit again → probation.
            for d in domains {
                let (first, issued) = try await cli.json(["submit", d, "--contact", contact], at: t0)
                #expect(first.status == 0, "\(d): \(first.stderr)")
                #expect(issued["action"] as? String == "challenge-issued", "\(d): \(first.stdout)")
                let challenge = try #require(issued["challenge"] as? [String: Any])
                let name = try #require(challenge["name"] as? String)
                let value = try #require(challenge["value"] as? String)
                #expect(name == "_preload-challenge.\(d)" && value.hasPrefix("preload-verify="))
                #expect(try await cli.state(of: d, at: t0) == "pending-verification")
                #expect(try await Tool.run(bed.testbed, ["dns-add", name, "TXT", value]).status == 0)
                let (second, verified) = try await cli.json(["submit", d, "--contact", contact], at: t0.adding(seconds: 60))
                #expect(second.status == 0, "\(d): \(second.stderr)")
                #expect(verified["action"] as? String == "verified", "\(d): \(second.stdout)")
                #expect(try await cli.state(of: d, at: t0.adding(seconds: 60)) == "probation")
                _ = try await Tool.run(bed.testbed, ["dns-remove", name])
            }

            // Probation: four passing runs over 15 days → listed, in a signed and committed list.
            for day in [0, 5, 10] {
                let now = t0.adding(seconds: 120).adding(days: day)
                let out = try await cli.validateAll(at: now)
                #expect(out.status == 0, "day \(day): \(out.stderr)")
                for d in domains { #expect(try await cli.state(of: d, at: now) == "probation", "day \(day) \(d)") }
            }
            #expect(try await cli.committedDomains() == [], "the first run bootstraps an empty list; nothing is listed in probation")
            let bootstrapCommits = try await cli.commitCount()
            #expect(bootstrapCommits >= 1)
            let t15 = t0.adding(seconds: 120).adding(days: 15)
            let listedRun = try await cli.validateAll(at: t15)
            #expect(listedRun.status == 0, "\(listedRun.stderr)")
            #expect(listedRun.stdout.contains("\"published\""), "\(listedRun.stdout)")
            for d in domains {
                #expect(try await cli.state(of: d, at: t15) == "listed", "\(d)")
                #expect(try await cli.events(d, at: t15).map(\.to).suffix(1) == ["listed"], "\(d)")
            }
            #expect(try await cli.committedDomains() == domains.sorted())
            let (verify1, verified1) = try await cli.verifyList(at: t15)
            #expect(verify1.status == 0, "\(verify1.stderr)")
            #expect(verified1["domains"] as? Int == 3)
            #expect(try await cli.commitCount() == bootstrapCommits + 1)
            #expect(try await Tool.git(cli.repo, "log", "-1", "--format=%s").isEmpty == false)

            // Day 16: mx1's certificate expires, the owner asks for removal, the policy says mode none.
            let t16 = t15.adding(days: 1)
            #expect(try await Tool.run(bed.testbed, ["swap-cert", mx1, "expired"]).status == 0)
            #expect(try await Tool.run(bed.testbed, ["policy-set", Self.optOutDomain, "-"], stdin: Array(Self.nonePolicy.utf8)).status == 0)
            let (ask, asked) = try await cli.json(["remove", Self.ownerDomain], at: t16)
            #expect(ask.status == 0, "\(ask.stderr)")
            #expect(asked["action"] as? String == "challenge-issued", "\(ask.stdout)")
            let removal = try #require(asked["challenge"] as? [String: String])
            #expect(removal["value"]?.hasPrefix("preload-remove=") == true)
            #expect(try await Tool.run(bed.testbed, ["dns-add", removal["name"] ?? "", "TXT", removal["value"] ?? ""]).status == 0)
            let (proven, accepted) = try await cli.json(["remove", Self.ownerDomain], at: t16.adding(seconds: 60))
            #expect(proven.status == 0, "\(proven.stderr)")
            #expect(accepted["action"] as? String == "accepted", "\(proven.stdout)")
            #expect(try await cli.state(of: Self.ownerDomain, at: t16.adding(seconds: 60)) == "removal-requested")

            let failingRun = try await cli.validateAll(at: t16.adding(seconds: 120))
            #expect(failingRun.status == 0, "\(failingRun.stderr)")
            let t16b = t16.adding(seconds: 120)
            #expect(try await cli.state(of: Self.certDomain, at: t16b) == "failing")
            let status = try await cli.json(["status", Self.certDomain], at: t16b).1
            let lastCodes = ((status["validations"] as? [[String: Any]])?.first?["error_codes"] as? [String]) ?? []
            #expect(lastCodes.contains("tls.cert-expired"), "\(status)")
            #expect(try await cli.state(of: Self.ownerDomain, at: t16b) == "removed")
            #expect(try await cli.state(of: Self.optOutDomain, at: t16b) == "removed")
            #expect(try await cli.events(Self.optOutDomain, at: t16b).last?.reason == "opted-out")
            #expect(try await cli.events(Self.ownerDomain, at: t16b).last?.reason == "removed-at-publish")
            #expect(try await cli.committedDomains() == [Self.certDomain], "failing stays listed; the others are gone")
            #expect(try await cli.commitCount() == bootstrapCommits + 2)

            // Day 24: still failing after the 7-day grace → removed, and gone from a newly published list.
            let t24 = t16b.adding(days: 8)
            let removedRun = try await cli.validateAll(at: t24)
            #expect(removedRun.status == 0, "\(removedRun.stderr)")
            #expect(try await cli.state(of: Self.certDomain, at: t24) == "removed")
            #expect(try await cli.events(Self.certDomain, at: t24).map(\.to).suffix(2) == ["failing", "removed"])
            #expect(try await cli.committedDomains() == [])
            #expect(try await cli.commitCount() == bootstrapCommits + 3)
            let (verify3, verified3) = try await cli.verifyList(at: t24)
            #expect(verify3.status == 0 && verified3["domains"] as? Int == 0, "\(verify3.stdout) \(verify3.stderr)")
            #expect(try await Tool.git(cli.repo, "status", "--porcelain") == "")

            // The owner was told about every step that matters to them (recorded in the audit log: the CLI's
            // --smtp-relay cannot reach the test bed's Postfix with a verified name yet, see the branch report).
            let notices = try await cli.json(["events", "--domain", Self.certDomain], at: t24).1["events"] as? [[String: Any]] ?? []
            let kinds = notices.compactMap { ($0["notification"] as? [String: Any])?["kind"] as? String }
            #expect(kinds.suffix(3) == ["listed", "failing", "removed"], "\(kinds)")
            let recipients = Set(notices.compactMap { ($0["notification"] as? [String: Any])?["to"] as? String })
            #expect(recipients == [contact])

            // The state copied to another backend and back answers `status` and `events` alike for every domain.
            let copies = [cli.scratch.file("copy-sqlite"), try await bed.freshPostgresDatabase("copy")]
            var from = cli.state
            for copy in copies {
                let migrated = try await cli.run(["state", "migrate", "--from", from, "--to", copy], at: t24)
                #expect(migrated.status == 0, "\(migrated.stderr)")
                #expect(migrated.stdout.contains("copied and verified"), "\(migrated.stdout)")
                for d in domains {
                    for command in [["status", d], ["events", "--domain", d]] {
                        let original = try await cli.run(command + ["--format", "json"], at: t24)
                        let copied = try await cli.run(command + ["--format", "json"], at: t24, environment: ["PRELOAD_STATE": copy])
                        #expect(original.status == 0 && copied.stdout == original.stdout, "\(command) from \(copy)")
                    }
                }
                from = copy
            }
            let again = try await cli.run(["state", "migrate", "--from", cli.state, "--to", copies[1]], at: t24)
            #expect(again.status == 73 && again.stderr.contains("not empty"), "\(again.status) \(again.stderr)")
        }
    }

    /// Whether a mail to `to` with `subject` lands in the Maildir `directory` within 15 s.
    static func waitForMail(to: String, subject: String, in directory: String) async throws -> Bool {
        for _ in 0..<60 {
            if let enumerator = FileManager.default.enumerator(atPath: directory) {
                for case let path as String in enumerator {
                    if let text = try? String(contentsOfFile: directory + "/" + path, encoding: .utf8),
                       text.contains("To: \(to)"), text.contains("Subject: \(subject)") { return true }
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }
}
