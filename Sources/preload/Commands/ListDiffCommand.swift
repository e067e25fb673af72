import ArgumentParser
import Foundation
import PreloadCore

/// `preload list diff OLD NEW`: what changed between two list files.
struct ListDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two list files (v1 or EFF v0.1): domains added, removed, mode and pattern changes.",
        discussion: """
            Entries are compared by their effective policy (aliases resolved). The text output is the summary \
            `preload publish` uses as its commit message.

            Exit codes: 0 compared (whether or not anything changed); 1 a file is invalid or above 256 MiB \
            (list.too-large); 64 usage (including a file that cannot be read or is not a regular file).
            """)

    @Argument(help: "The older list file.")
    var old: String

    @Argument(help: "The newer list file.")
    var new: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let diff = ListDiff(old: try load(old), new: try load(new))
        switch output.format {
        case .text: Console.out(diff.summary)
        case .json: try Console.printJSON(ListDiffJSON(diff))
        }
    }

    private func load(_ path: String) throws -> PreloadList {
        let (format, decoding) = ListCodec.decodeAnyFormat(try ListFiles.read(path))
        guard let list = decoding.list else {
            ListFiles.printIssues(decoding.issues.filter { $0.severity == .error }, hint: "run `preload lint list` to see all") {
                Console.err($0)
            }
            Console.err("preload: \(path) is not a valid \(format?.rawValue ?? "list") file")
            throw Exit.blocked
        }
        return list
    }
}

/// The JSON form of a list diff: stable snake_case keys.
struct ListDiffJSON: Encodable {
    struct ModeChange: Encodable {
        var domain: String
        var from: String
        var to: String
    }
    struct PatternChange: Encodable {
        var domain: String
        var added: [String]
        var removed: [String]
    }
    var oldSerial: UInt64?
    var newSerial: UInt64
    var added: [String]
    var removed: [String]
    var modeChanges: [ModeChange]
    var patternChanges: [PatternChange]
    var aliasesChanged: [String]
    var otherwiseChanged: Int
    var summary: String

    enum CodingKeys: String, CodingKey {
        case added, removed, summary
        case oldSerial = "old_serial", newSerial = "new_serial", modeChanges = "mode_changes"
        case patternChanges = "pattern_changes", aliasesChanged = "aliases_changed", otherwiseChanged = "otherwise_changed"
    }

    init(_ d: ListDiff) {
        oldSerial = d.oldSerial
        newSerial = d.newSerial
        added = d.added.map(\.value)
        removed = d.removed.map(\.value)
        modeChanges = d.modeChanges.map { ModeChange(domain: $0.domain.value, from: $0.from.rawValue, to: $0.to.rawValue) }
        patternChanges = d.patternChanges.map {
            PatternChange(domain: $0.domain.value, added: $0.added.map(\.description), removed: $0.removed.map(\.description))
        }
        aliasesChanged = d.aliasesChanged
        otherwiseChanged = d.otherwiseChanged
        summary = d.summary
    }
}
