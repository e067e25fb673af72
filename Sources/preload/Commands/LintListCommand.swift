import ArgumentParser
import Foundation
import PreloadCore
import PreloadSigning

/// `preload lint list FILE|-`: checks a preload list file offline.
struct LintListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Check a preload list file (format v1; EFF v0.1 files are reported as legacy).",
        discussion: """
            A v1 file is checked against every rule of the format (policy-schema/README.md) and for canonical \
            bytes. A v0.1 file gets a list.legacy-format warning, EFF's own v0.1 rules, and what converting it \
            to v1 would change. Findings name the JSON path of the offending value. Expiry and signatures are \
            not checked here: `preload list verify` does that.

            JSON: {"valid", "issues": [{"code", "severity", "message", "subject"?}], "format": "v1" | \
            "eff-v0.1" | null, "counts": {"domains", "enforce", "testing", "alias_references", "aliases"} \
            (enforce/testing count entries with their own patterns), "serial", "generated", "expires", \
            "publisher"} — the list fields are null when the file is invalid.

            Only regular files (or standard input) are read; a file above 256 MiB is reported as \
            list.too-large before it is read.

            Exit codes: 0 valid (warnings allowed); 1 invalid or too large; 64 usage (FILE cannot be read or \
            is not a regular file).
            """)

    @Argument(help: ArgumentHelp("The list file, or - for standard input.", valueName: "file"))
    var file: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let result: ListLintReport
        do {
            result = ListCodec.lint(try InputFile.read(file, limit: InputLimits.maxListBytes, standardInput: true))
        } catch let tooLarge as InputTooLarge {
            result = ListLintReport(format: nil, list: nil, issues: [tooLarge.issue(.listTooLarge)])
        }
        var fields: [String: JSONValue] = [
            "format": .string(result.format?.rawValue), "counts": .null, "serial": .null, "generated": .null,
            "expires": .null, "publisher": .null,
        ]
        var details = ["format: " + (result.format?.rawValue ?? "not recognised (checked as v1)")]
        if let list = result.list, let c = result.counts {
            fields["counts"] = .object([
                "domains": .int(c.domains), "enforce": .int(c.enforce), "testing": .int(c.testing),
                "alias_references": .int(c.aliasReferences), "aliases": .int(c.aliases),
            ])
            fields["serial"] = .int(Int(list.serial))
            fields["generated"] = .string(list.generated.rfc3339)
            fields["expires"] = .string(list.expires.rfc3339)
            fields["publisher"] = .string(list.publisher)
            details.append("serial \(list.serial), generated \(list.generated), expires \(list.expires)")
            details.append("publisher: \(list.publisher)")
            details.append("\(c.domains) domains: \(c.enforce) enforce, \(c.testing) testing, "
                + "\(c.aliasReferences) alias references; \(c.aliases) aliases")
        }
        var report = LintReport(subject: file == "-" ? "list (stdin)" : "list \(file)", valid: result.isValid,
            verdict: nil, issues: result.issues, fields: fields, details: details)
        if output.format == .text {
            // The text renderer shows code and message only: lead each message with its JSON path.
            report.issues = report.issues.map { issue in
                var issue = issue
                if let subject = issue.subject { issue.message = "\(subject): \(issue.message)" }
                return issue
            }
        }
        try report.emit(output.format)
    }
}
