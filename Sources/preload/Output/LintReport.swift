import ArgumentParser
import PreloadCore

/// A JSON value for the command-specific fields of a report (`policy`, `status`, `rua`…).
enum JSONValue: Encodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// `.string(s)` or `.null`.
    static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    /// An array of strings.
    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let v):
            var c = encoder.singleValueContainer()
            try c.encode(v)
        case .int(let v):
            var c = encoder.singleValueContainer()
            try c.encode(v)
        case .string(let v):
            var c = encoder.singleValueContainer()
            try c.encode(v)
        case .array(let values):
            var c = encoder.unkeyedContainer()
            for v in values { try c.encode(v) }
        case .object(let fields):
            var c = encoder.container(keyedBy: DynamicKey.self)
            for (k, v) in fields { try c.encode(v, forKey: DynamicKey(k)) }
        }
    }
}

/// A coding key made from any string.
struct DynamicKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The result of one `preload lint …` command: a verdict, the findings, and what was parsed.
///
/// One model, two renderers. JSON is one object with `valid`, `issues` (`code`, `severity`,
/// `message`, and `subject` where set) plus the command's own fields; text is a verdict line, then one
/// `severity code: message` line per finding (errors first), then the command's detail lines.
struct LintReport: CommandResult {
    /// What was linted, for the verdict line, e.g. `policy.txt` or `_mta-sts TXT record set`.
    var subject: String
    /// Whether the input passes: no error findings (and, where it applies, something was present).
    var valid: Bool
    /// The verdict word for text output when it says more than valid/invalid, e.g. `absent`.
    var verdict: String?
    /// The findings, in the order the library produced them.
    var issues: [Issue]
    /// Command-specific JSON fields, merged into the top-level object.
    var fields: [String: JSONValue] = [:]
    /// Command-specific lines shown after the findings in text output, e.g. `mode: enforce`.
    var details: [String] = []

    /// The exit code: 0 valid (warnings allowed), 1 invalid or absent.
    var exitCode: ExitCode { valid ? Exit.success : Exit.blocked }

    var json: JSONValue { .object(jsonFields) }
    var text: TextOutput { TextOutput(out: textLines(color: Console.useColor)) }

    /// The top-level JSON object's fields.
    var jsonFields: [String: JSONValue] {
        var all = fields
        all["valid"] = .bool(valid)
        all["issues"] = .array(issues.map { issue in
            var o: [String: JSONValue] = [
                "code": .string(issue.code.rawValue), "severity": .string(issue.severity.rawValue),
                "message": .string(issue.message),
            ]
            if let subject = issue.subject { o["subject"] = .string(subject) }
            return .object(o)
        })
        return all
    }

    /// The text rendering, one element per line.
    func textLines(color: Bool) -> [String] {
        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        let errors = issues.filter { $0.severity == .error }.count
        let warnings = issues.filter { $0.severity == .warning }.count
        var counts: [String] = []
        if errors > 0 { counts.append(errors == 1 ? "1 error" : "\(errors) errors") }
        if warnings > 0 { counts.append(warnings == 1 ? "1 warning" : "\(warnings) warnings") }
        let word = verdict ?? (valid ? "valid" : "invalid")
        let painted = paint(word, valid ? "32;1" : "31;1")
        var lines = ["\(subject): \(painted)" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")]
        let ordered = issues.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
        for issue in ordered {
            let severity: String
            switch issue.severity {
            case .error: severity = paint("error", "31")
            case .warning: severity = paint("warning", "33")
            case .info: severity = paint("info", "36")
            }
            lines.append("  \(severity) \(issue.code): \(issue.message)")
        }
        lines += details.map { "  " + $0 }
        return lines
    }
}

extension LintReport {
    /// The report on a TXT record set: valid when its status is `valid`, which is also the verdict and the
    /// JSON field `status`.
    init(recordSet subject: String, status: RecordStatus, issues: [Issue], fields: [String: JSONValue],
         details: [String]) {
        var fields = fields
        fields["status"] = .string(status.rawValue)
        self.init(subject: subject, valid: status == .valid, verdict: status.rawValue, issues: issues, fields: fields,
                  details: details)
    }

    /// The help of a `lint` command for a TXT record set whose records start with `tag`.
    static func recordSetDiscussion(tag: String, example: String) -> String {
        """
        Give each TXT record of the set as one argument, its strings already joined and without the \
        zone-file quotes. Records that do not start with \(tag) are ignored, as senders do; exactly one \
        must remain.

        Example: \(example)

        Exit codes: 0 valid (warnings allowed); 1 invalid, or absent (no \(tag) record); 64 usage.
        """
    }

    /// Prints the report in `format`, then ends the command with its exit code when that is not success.
    func emit(_ format: OutputFormat) throws {
        try Console.print(self, format)
        if exitCode != Exit.success { throw exitCode }
    }
}
