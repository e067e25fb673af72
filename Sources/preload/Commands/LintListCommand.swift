import ArgumentParser
import Foundation
import PreloadCore

/// `preload lint list FILE`: checks a preload list file offline.
struct LintListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Check a preload list file (format v1; EFF v0.1 files are reported as legacy).",
        discussion: """
            A v1 file is checked against every rule of the format (policy-schema/README.md) and for canonical \
            bytes. A v0.1 file gets a list.legacy-format warning, EFF's own v0.1 rules, and what converting it \
            to v1 would change. Expiry is not checked here: `preload list verify` does.
            Exit codes: 0 valid (warnings allowed), 1 invalid, 64 usage.
            """)

    @Argument(help: "The list file, or - for standard input.")
    var file: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = ListCodec.lint(try ListFiles.read(file))
        switch output.format {
        case .json: try Console.printJSON(LintListJSON(report))
        case .text: renderText(report)
        }
        if !report.isValid { throw Exit.blocked }
    }

    private func renderText(_ report: ListLintReport) {
        let format = report.format?.rawValue ?? "unrecognised (checked as v1)"
        Console.out("\(file): \(report.isValid ? Console.color("valid", "32") : Console.color("invalid", "31")), format \(format)")
        if let list = report.list, let c = report.counts {
            Console.out("  serial \(list.serial), generated \(list.generated), expires \(list.expires), publisher \"\(list.publisher)\"")
            Console.out("  \(c.domains) domains: \(c.enforce) enforce, \(c.testing) testing, \(c.aliasReferences) alias references; \(c.aliases) aliases")
        }
        ListFiles.printIssues(report.issues, hint: "use --format json to see all") { Console.out("  " + $0) }
    }
}

/// The JSON form of a list lint: stable snake_case keys.
struct LintListJSON: Encodable {
    var valid: Bool
    var format: String?
    var issues: [Issue]
    var counts: ListCounts?
    var serial: UInt64?
    var generated: Timestamp?
    var expires: Timestamp?
    var publisher: String?

    init(_ report: ListLintReport) {
        valid = report.isValid
        format = report.format?.rawValue
        issues = report.issues
        counts = report.counts
        serial = report.list?.serial
        generated = report.list?.generated
        expires = report.list?.expires
        publisher = report.list?.publisher
    }

    enum CodingKeys: String, CodingKey { case valid, format, issues, counts, serial, generated, expires, publisher }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(valid, forKey: .valid)
        try c.encode(format, forKey: .format)  // null when unrecognised
        try c.encode(issues, forKey: .issues)
        try c.encode(counts, forKey: .counts)
        try c.encode(serial, forKey: .serial)
        try c.encode(generated, forKey: .generated)
        try c.encode(expires, forKey: .expires)
        try c.encode(publisher, forKey: .publisher)
    }
}
