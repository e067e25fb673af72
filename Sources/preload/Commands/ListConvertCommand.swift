import ArgumentParser
import Foundation
import PreloadCore

/// `preload list convert FILE --to v1|eff-v0.1`: converts a list between formats, to stdout.
struct ListConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a list file between format v1 and EFF's v0.1 (input format detected); writes to stdout.",
        discussion: """
            --to v1 imports an EFF v0.1 list (or rewrites a v1 list canonically); --to eff-v0.1 serves legacy \
            consumers such as EFF's starttls-policy-cli. What cannot be converted exactly (EFF's any-depth \
            `.suffix` vs RFC 8461's one-label `*.`) is reported on stderr; see policy-schema/README.md.

            Exit codes: 0 converted (warnings on stderr); 1 the input is invalid or above 256 MiB \
            (list.too-large), nothing written; 64 usage (including a file that cannot be read or is not a \
            regular file).
            """)

    @Argument(help: "The list file, or - for standard input.")
    var file: String

    /// The target formats, as written on the command line.
    enum Target: String, ExpressibleByArgument, CaseIterable {
        case v1 = "v1"
        case effV01 = "eff-v0.1"
    }

    @Option(help: "Target format: v1 or eff-v0.1.")
    var to: Target

    func run() async throws {
        let (format, list, decodingIssues) = try ListFiles.load(file, refusal: "; nothing converted")
        var issues = decodingIssues
        let output: [UInt8]
        switch to {
        case .v1:
            output = ListCodec.encode(list)
        case .effV01:
            let export = EFFListConverter.export(list)
            issues += export.issues
            output = export.bytes
        }
        FileHandle.standardOutput.write(Data(output))
        let notes = issues.filter { $0.severity == .info }.count
        ListFiles.printIssues(issues.filter { $0.severity != .info }, hint: "run `preload lint list` on the input to see all") {
            Console.err($0)
        }
        let c = ListCounts(list)
        Console.err("preload: converted \(format?.rawValue ?? "v1") to \(to.rawValue): \(c.domains) domains "
            + "(\(c.enforce) enforce, \(c.testing) testing, \(c.aliasReferences) alias references), \(c.aliases) aliases; "
            + "\(issues.count - notes) warnings, \(notes) notes")
    }
}
