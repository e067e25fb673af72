import ArgumentParser
import PreloadCore

/// `preload lint txt RECORD...`: checks an `_mta-sts` TXT record set (RFC 8461 §3.1).
struct LintTXTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "txt",
        abstract: "Check an _mta-sts TXT record set against RFC 8461.",
        discussion: LintReport.recordSetDiscussion(
            tag: "v=STSv1", example: "preload lint txt 'v=STSv1; id=20240101T000000'")
    )

    @Argument(help: ArgumentHelp("The TXT records of the set, one per argument.", valueName: "record"))
    var records: [String] = []

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let result = STSRecordParser.parse(records)
        var details: [String] = []
        if let id = result.id { details.append("id: \(id)") }
        let report = LintReport(
            recordSet: "_mta-sts TXT record set", status: result.status, issues: result.issues,
            fields: ["id": .string(result.id)],
            details: details)
        try report.emit(output.format)
    }
}
