import Foundation
import PreloadTesting
import Testing

/// The `preload lint` commands end to end: JSON shape and exit codes, through the built `preload` binary
/// (``Tool/preloadBinary()``; a missing binary fails them).
@Suite
struct LintCLITests {

    /// Runs `preload args…` with `stdin`, returning the exit status and the parsed JSON stdout.
    private func run(_ args: [String], stdin: String = "") async throws -> (status: Int32, json: [String: Any]?, stdout: String) {
        let out = try await Tool.run(try Tool.preloadBinary(), args, stdin: Array(stdin.utf8))
        let json = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        return (out.status, json, out.stdout)
    }

    private func codes(_ json: [String: Any]?) -> [String] {
        (json?["issues"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }

    @Test func policyFromStdinWithMXCoverage() async throws {
        let body = Examples.rfc8461Policy
        let ok = try await run(["lint", "policy", "-", "--format", "json", "--mx", "mx1.example.net", "--mx", "MAIL.example.com."], stdin: body)
        #expect(ok.status == 0)
        #expect(ok.json?["valid"] as? Bool == true)
        let policy = try #require(ok.json?["policy"] as? [String: Any])
        #expect(policy["version"] as? String == "STSv1")
        #expect(policy["mode"] as? String == "enforce")
        #expect(policy["max_age"] as? Int == 604800)
        #expect(policy["mx"] as? [String] == ["mail.example.com", "*.example.net", "backupmx.example.com"])
        #expect(ok.json?["uncovered_mx"] as? [String] == [])

        let uncovered = try await run(["lint", "policy", "-", "--format", "json", "--mx", "a.b.example.net"], stdin: body)
        #expect(uncovered.status == 1)
        #expect(uncovered.json?["valid"] as? Bool == false)
        #expect(uncovered.json?["uncovered_mx"] as? [String] == ["a.b.example.net"])
        #expect(codes(uncovered.json) == ["mta-sts.policy-mx-uncovered"])
        let issue = try #require((uncovered.json?["issues"] as? [[String: Any]])?.first)
        #expect(issue["severity"] as? String == "error")
        #expect(issue["subject"] as? String == "a.b.example.net")
        #expect(issue["message"] is String)
    }

    @Test func invalidPolicyHasNullPolicy() async throws {
        let r = try await run(["lint", "policy", "-", "--format", "json"], stdin: "version: STSv1\nmode: Enforce\nmax_age: 1\n")
        #expect(r.status == 1)
        #expect(r.json?["valid"] as? Bool == false)
        #expect(r.json?["policy"] is NSNull)
        #expect(codes(r.json).contains("mta-sts.policy-mode"))
    }

    @Test func usageErrors() async throws {
        #expect(try await run(["lint", "policy", "/nonexistent/mta-sts.txt"]).status == 64)
        #expect(try await run(["lint", "policy", "-", "--mx", "not a host"], stdin: Examples.rfc8461Policy).status == 64)
        #expect(try await run(["lint", "policy"]).status == 64)
        #expect(try await run(["lint", "txt", "--format", "yaml"]).status == 64)
    }

    @Test func txtStatuses() async throws {
        let valid = try await run(["lint", "txt", "--format", "json", "v=spf1 -all", "v=STSv1 ;id=20160831085700Z"])
        #expect(valid.status == 0)
        #expect(valid.json?["status"] as? String == "valid")
        #expect(valid.json?["id"] as? String == "20160831085700Z")
        #expect(codes(valid.json) == ["mta-sts.txt-erratum-6285"])
        let absent = try await run(["lint", "txt", "--format", "json", "v=spf1 -all"])
        #expect(absent.status == 1)
        #expect(absent.json?["status"] as? String == "absent")
        #expect(absent.json?["id"] is NSNull)
        let invalid = try await run(["lint", "txt", "--format", "json", "v=STSv1; id=a-b"])
        #expect(invalid.status == 1)
        #expect(invalid.json?["status"] as? String == "invalid")
        #expect(invalid.json?["valid"] as? Bool == false)
    }

    @Test func tlsrptStatuses() async throws {
        let valid = try await run(["lint", "tlsrpt", "--format", "json", "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/v1"])
        #expect(valid.status == 0)
        #expect(valid.json?["status"] as? String == "valid")
        #expect(valid.json?["rua"] as? [String] == ["mailto:a@example.com", "https://r.example.com/v1"])
        let invalid = try await run(["lint", "tlsrpt", "--format", "json", "v=TLSRPTv1; rua=ftp://example.com"])
        #expect(invalid.status == 1)
        #expect(invalid.json?["rua"] as? [String] == [])
        #expect(codes(invalid.json) == ["tls-rpt.invalid"])
    }

    @Test func textOutputReadsLikeALinter() async throws {
        let r = try await run(["lint", "txt", "v=STSv1; id=a-b; x=1", "v=spf1 -all"])
        #expect(r.status == 1)
        #expect(r.json == nil)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "_mta-sts TXT record set: invalid (1 error)")
        #expect(lines.dropFirst().first?.hasPrefix("  error mta-sts.txt-invalid: ") == true, "errors come first")
        #expect(lines.dropFirst(2).first?.hasPrefix("  info mta-sts.txt-unknown-field: ") == true)
        #expect(!r.stdout.contains("\u{1B}["), "no colour when NO_COLOR is set and stdout is not a TTY")
        let ok = try await run(["lint", "tlsrpt", "v=TLSRPTv1;rua=mailto:reports@example.com"])
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("_smtp._tls TXT record set: valid\n"))
    }
}
