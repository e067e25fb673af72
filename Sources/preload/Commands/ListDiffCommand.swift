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
        try Console.print(ListDiffOutput(diff: diff), output.format)
    }

    private func load(_ path: String) throws -> PreloadList {
        try ListFiles.load(path).list
    }
}
