import PreloadCore

/// `preload codes`: the issue-code catalogue, as text, JSON or README's markdown table.
struct CodesOutput: CommandResult {
    struct Row: Encodable {
        let code: String
        let severity: Severity
        let summary: String
        let fix: String
    }

    var rows: [Row]

    /// The whole catalogue.
    init(_ entries: [IssueCatalogue.Entry] = IssueCatalogue.all) {
        rows = entries.map { Row(code: $0.code.rawValue, severity: $0.severity, summary: $0.summary, fix: $0.fix) }
    }

    var json: [String: [Row]] { ["codes": rows] }

    var text: TextOutput {
        TextOutput(out: rows.flatMap { r in ["\(r.code) (\(r.severity.rawValue))", "    \(r.summary)", "    fix: \(r.fix)"] })
    }

    /// README's table.
    var markdown: [String] {
        ["| code | severity | meaning | fix |", "| --- | --- | --- | --- |"]
            + rows.map { r in "| `\(r.code)` | \(r.severity.rawValue) | \(r.summary) | \(r.fix) |" }
    }
}
