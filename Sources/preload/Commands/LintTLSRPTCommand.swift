import ArgumentParser
import PreloadCore

/// `preload lint tlsrpt RECORD...`: checks an `_smtp._tls` TXT record set (RFC 8460 §3).
struct LintTLSRPTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsrpt",
        abstract: "Check an _smtp._tls (TLS-RPT) TXT record set against RFC 8460.",
        discussion: """
            Give each TXT record of the set as one argument, its strings already joined and without the \
            zone-file quotes. Records that do not start with v=TLSRPTv1 are ignored, as senders do; exactly one \
            must remain.

            Example: preload lint tlsrpt 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com'

            Exit codes: 0 valid (warnings allowed); 1 invalid, or absent (no v=TLSRPTv1 record); 64 usage.
            """
    )

    @Argument(help: ArgumentHelp("The TXT records of the set, one per argument.", valueName: "record"))
    var records: [String] = []

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let result = TLSRPTRecordParser.parse(records)
        var details: [String] = []
        if !result.rua.isEmpty { details.append("rua: " + result.rua.joined(separator: ", ")) }
        let report = LintReport(
            subject: "_smtp._tls TXT record set", valid: result.status == .valid, verdict: result.status.rawValue,
            issues: result.issues,
            fields: ["status": .string(result.status.rawValue), "rua": .strings(result.rua)],
            details: details)
        try Console.print(report, output.format)
        if report.exitCode != Exit.success { throw report.exitCode }
    }
}
