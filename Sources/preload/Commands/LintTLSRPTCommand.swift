import ArgumentParser
import PreloadCore

/// `preload lint tlsrpt RECORD...`: checks an `_smtp._tls` TXT record set (RFC 8460 §3).
struct LintTLSRPTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsrpt",
        abstract: "Check an _smtp._tls (TLS-RPT) TXT record set against RFC 8460.",
        discussion: LintReport.recordSetDiscussion(
            tag: "v=TLSRPTv1", example: "preload lint tlsrpt 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com'")
    )

    @Argument(help: ArgumentHelp("The TXT records of the set, one per argument.", valueName: "record"))
    var records: [String] = []

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let result = TLSRPTRecordParser.parse(records)
        var details: [String] = []
        if !result.rua.isEmpty { details.append("rua: " + result.rua.joined(separator: ", ")) }
        let report = LintReport(
            recordSet: "_smtp._tls TXT record set", status: result.status, issues: result.issues,
            fields: ["rua": .strings(result.rua)],
            details: details)
        try report.emit(output.format)
    }
}
