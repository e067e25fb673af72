import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// `preload submit|status|remove|preflight --server URL`: the owner's whole path through a running
/// `preload serve`, with the local commands' output and exit codes (status compared byte for byte with the
/// local command on the server's own state).
@Suite("preload --server clients", .serialized) struct ServeClientCLITests {
    @Test("submit, confirm, status, remove and preflight through --server")
    func ownerThroughServer() async throws {
        let bed = try await NetTestBed.shared
        let names = TestBedNames(bed)
        let server = try await ServeProcess("serve-cli", arguments: ["--allow-private-targets", "--preflight-limit", "100/min",
                                                                     "--submission-limit", "3/h"])
        try await withCleanup({ _ = await server.stop() }) {
            let binary = try Tool.preloadBinary()
            func cli(_ args: [String], env: [String: String] = [:]) async throws -> ProcessOutput {
                try await Tool.run(binary, args, environment: ["PRELOAD_SERVER": server.url].merging(env) { $1 })
            }
            let domain = try await names.mailDomain("serve-cli")

            // preflight: 0 eligible, 1 not; text like `check`.
            let pre = try await cli(["preflight", "good.test"])
            #expect(pre.status == 0, "\(pre.stderr)")
            #expect(pre.stdout.hasPrefix("good.test: eligible"))
            let bad = try await cli(["preflight", "no-starttls.test"])
            #expect(bad.status == 1)
            #expect(bad.stdout.contains("smtp.starttls-missing"))
            #expect(try await cli(["preflight", "good.test", "--format", "json"]).stdout.contains(#""eligible":true"#))

            // submit: the challenge; again before publishing: awaiting; after publishing: verified.
            let first = try await cli(["submit", domain, "--contact", "owner@notify.test"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("is eligible and queued"))
            let json = try await cli(["submit", domain, "--contact", "owner@notify.test", "--format", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["action"] as? String == "awaiting-challenge")
            let challenge = try #require(object["challenge"] as? [String: Any])
            try await names.add(challenge["name"] as! String, "TXT", challenge["value"] as! String)
            let verified = try await cli(["submit", domain, "--contact", "owner@notify.test"])
            #expect(verified.status == 0)
            #expect(verified.stdout.contains("Control of \(domain) verified: probation started"))
            // Past the service's per-domain limit (3/h): exit 75.
            let limited = try await cli(["submit", domain, "--contact", "owner@notify.test"])
            #expect(limited.status == 75, "\(limited.stdout)\(limited.stderr)")

            // status: the same bytes as the local command on the server's state, text and JSON.
            for format in ["text", "json"] {
                let remote = try await cli(["status", domain, "--format", format])
                let local = try await Tool.run(binary, ["status", domain, "--format", format, "--state", server.state])
                #expect(remote.status == 0 && local.status == 0)
                #expect(remote.stdout == local.stdout, "remote:\n\(remote.stdout)\nlocal:\n\(local.stdout)")
            }
            let unknown = try await cli(["status", "never-submitted.test"])
            #expect(unknown.stdout.contains("unknown (never submitted)"))

            // remove: challenge, then proven.
            let removal = try await cli(["remove", domain, "--format", "json"])
            #expect(removal.status == 0)
            let removalObject = try #require(try JSONSerialization.jsonObject(with: Data(removal.stdout.utf8)) as? [String: Any])
            let removeChallenge = try #require(removalObject["challenge"] as? [String: Any])
            try await names.add(removeChallenge["name"] as! String, "TXT", removeChallenge["value"] as! String)
            let removed = try await cli(["remove", domain])
            #expect(removed.status == 0)
            #expect(removed.stdout.contains("\(domain) is removed."))
            // Nothing left to remove: 1, as locally.
            #expect(try await cli(["remove", "never-submitted.test"]).status == 1)
            // Ineligible submission: 1, with the findings.
            let ineligible = try await cli(["submit", "no-starttls.test", "--contact", "owner@notify.test"])
            #expect(ineligible.status == 1)
            #expect(ineligible.stdout.contains("smtp.starttls-missing"))
            // --force is the maintainer's, local only.
            #expect(try await cli(["remove", domain, "--force", "--reason", "x"]).status == 64)
            await names.removeAll()

            // A service that is gone: 69.
            #expect(await server.stop() == 0)
            #expect(try await cli(["status", "good.test"]).status == 69)
            #expect(try await cli(["preflight", "good.test", "--server", "ftp://x"]).status == 64)
        }
    }
}
