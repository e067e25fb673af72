import ArgumentParser
import Foundation
import PreloadCore

/// `preload lint policy FILE|- [--mx HOST]...`: checks an MTA-STS policy body (RFC 8461 §3.2) and,
/// with `--mx`, which MX hosts its patterns do not cover (§4.1).
struct LintPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check an MTA-STS policy file (mta-sts.txt) against RFC 8461.",
        discussion: """
            FILE is the policy body as served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt, or - for \
            standard input. With --mx (repeatable), each MX host is also matched against the policy's mx \
            patterns; an uncovered host is an error.

            JSON: {"valid", "issues": [{"code", "severity", "message", "subject"?}], "policy": {"version", \
            "mode", "max_age", "mx"} or null when invalid, "uncovered_mx": [...] with --mx (null when the \
            policy is invalid)}.

            Exit codes: 0 valid (warnings allowed); 1 invalid (a FILE above 64 KiB is \
            mta-sts.policy-too-large), or an MX host not covered; 64 usage, including a FILE that cannot be \
            read or is not a regular file, or an --mx value that is not a host name.
            """
    )

    @Argument(help: ArgumentHelp("The policy file, or - for standard input.", valueName: "file"))
    var file: String

    @Option(name: .customLong("mx"), help: ArgumentHelp("An MX host name to check for coverage (repeatable).", valueName: "host"))
    var mx: [String] = []

    @OptionGroup var output: OutputOptions

    func validate() throws { _ = try hosts() }

    func run() async throws {
        let hosts = try hosts()
        let result: STSPolicyResult
        var issues: [Issue]
        do {
            result = STSPolicyParser.parse(bytes: try InputFile.read(file, limit: STSPolicyParser.maxBodyBytes, standardInput: true))
            issues = result.issues
        } catch let tooLarge as InputTooLarge {
            // Senders read no more than 64 KiB either: the same finding as for a body that size.
            result = STSPolicyParser.parse(bytes: [])
            issues = [Issue(.mtaStsPolicyTooLarge, subject: "policy", "\(tooLarge); senders read no more than "
                + "\(STSPolicyParser.maxBodyBytes) bytes (64 KiB)")]
        }
        var fields: [String: JSONValue] = ["policy": .null]
        var details: [String] = []
        if let policy = result.policy {
            fields["policy"] = .object([
                "version": .string(policy.version), "mode": .string(policy.mode.rawValue),
                "max_age": .int(policy.maxAge), "mx": .strings(policy.mx.map(\.description)),
            ])
            details.append("mode: \(policy.mode.rawValue), max_age: \(policy.maxAge) s, mx: "
                + (policy.mx.isEmpty ? "(none)" : policy.mx.map(\.description).joined(separator: ", ")))
        }
        if !hosts.isEmpty {
            if let policy = result.policy {
                let uncovered = STSPolicyParser.uncoveredMX(policy, hosts: hosts)
                issues += STSPolicyParser.coverageIssues(policy, hosts: hosts)
                fields["uncovered_mx"] = .strings(uncovered.map(\.value))
                details.append(uncovered.isEmpty
                    ? "every MX host given is covered"
                    : "uncovered MX hosts: " + uncovered.map(\.value).joined(separator: ", "))
            } else {
                fields["uncovered_mx"] = .null
                details.append("MX coverage not checked: the policy is invalid")
            }
        }
        let report = LintReport(
            subject: file == "-" ? "policy (stdin)" : "policy \(file)", valid: !issues.hasErrors, verdict: nil,
            issues: issues, fields: fields, details: details)
        try report.emit(output.format)
    }

    /// The `--mx` values as domain names (U-labels converted); a bad one is a usage error.
    private func hosts() throws -> [DomainName] {
        try mx.map { host in
            do {
                return try Composition.domainName(host)
            } catch {
                throw ValidationError("--mx '\(host)' is not a valid host name: \(error)")
            }
        }
    }
}
