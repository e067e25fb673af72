import PreloadCuration

/// `preload publish`: the new commit and list.
struct PublishOutput: CommandResult {
    var result: PublishResult

    var json: PublishResult { result }

    var text: TextOutput {
        TextOutput(
            out: ["published serial \(result.serial) as \(result.commit) on \(result.branch)",
                  "generated \(result.generated), expires \(result.expires), \(result.domains) domains"]
                + result.summary.map { "  \($0)" },
            err: result.repaired.map { "repaired \($0) from HEAD (an earlier run was interrupted)" }
                + result.warnings.map { "warning: \($0)" })
    }
}

/// `preload publish --repair`: the work-tree paths rewritten or re-staged.
struct RepairOutput: CommandResult {
    var paths: [String]

    var json: [String: [String]] { ["repaired": paths] }
    var text: TextOutput { TextOutput(out: [paths.isEmpty ? "nothing to repair" : "repaired \(paths.joined(separator: ", "))"]) }
}
