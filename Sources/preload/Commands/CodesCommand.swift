import ArgumentParser
import PreloadCore

/// `preload codes`: the issue-code catalogue.
struct CodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes", abstract: "List every issue code with its severity, meaning and fix.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

    @Option(name: .long, help: "text, json or markdown (the table in README).")
    var format: Format = .text

    struct Row: Encodable {
        let code: String
        let severity: Severity
        let summary: String
        let fix: String
    }

    func run() async throws {
        let rows = IssueCatalogue.all.map { Row(code: $0.code.rawValue, severity: $0.severity, summary: $0.summary, fix: $0.fix) }
        switch format {
        case .json:
            try Console.printJSON(["codes": rows])
        case .markdown:
            Console.out("| code | severity | meaning | fix |")
            Console.out("| --- | --- | --- | --- |")
            for r in rows { Console.out("| `\(r.code)` | \(r.severity.rawValue) | \(r.summary) | \(r.fix) |") }
        case .text:
            for r in rows {
                Console.out("\(r.code) (\(r.severity.rawValue))")
                Console.out("    \(r.summary)")
                Console.out("    fix: \(r.fix)")
            }
        }
    }
}
