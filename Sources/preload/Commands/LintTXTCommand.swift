import ArgumentParser
import PreloadCore

/// `preload lint txt RECORD...`: checks an `_mta-sts` TXT record set (RFC 8461 §3.1).
struct LintTXTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "txt",
        abstract: "Check an _mta-sts TXT record set against RFC 8461.",
        discussion: """
            Give each TXT record of the set as one argument, its strings already joined and without the \
            zone-file quotes. Records that do not start with v=STSv1 are ignored, as senders do; exactly one \
            must remain.

            Example: preload lint txt 'v=STSv1; id=20240101T000000'

            Exit codes: 0 valid (warnings allowed); 1 invalid, or absent (no v=STSv1 record); 64 usage.
            """
    )

    @Argument(help: ArgumentHelp("The TXT records of the set, one per argument.", valueName: "record"))
    var records: [String] = []

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let result = STSRecordParser.parse(records)
        var details: [String] = []
        if let id = result.id { details.append("id: \(id)") }
        let report = LintReport(
            subject: "_mta-sts TXT record set", valid: result.status == .valid, verdict: result.status.rawValue,
            issues: result.issues,
            fields: ["status": .string(result.status.rawValue), "id": .string(result.id)],
            details: details)
        try Console.print(report, output.format)
        if report.exitCode != Exit.success { throw report.exitCode }
    }
}
