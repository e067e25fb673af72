import ArgumentParser
import PreloadCore

/// `preload codes`: the issue-code catalogue.
struct CodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes", abstract: "List every issue code with its severity, meaning and fix.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

    @Option(name: .long, help: "text, json or markdown (the table in README).")
    var format: Format = .text

    func run() async throws {
        let codes = CodesOutput()
        switch format {
        case .json: try Console.print(codes, .json)
        case .text: try Console.print(codes, .text)
        case .markdown: for line in codes.markdown { Console.out(line) }
        }
    }
}
