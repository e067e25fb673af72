import ArgumentParser
import Foundation
import PreloadCore
import PreloadSigning

/// Reading list files and printing list findings on stderr, for the `list` and `lint list` commands.
enum ListFiles {
    /// The bytes of `path`, or of standard input for `-`: unreadable or not a regular file is a usage error
    /// (exit 64), above ``InputLimits/maxListBytes`` `list.too-large` (exit 1).
    static func read(_ path: String) throws -> [UInt8] {
        try InputFile.readList(path)
    }

    /// The list in `path` (v1 or EFF v0.1) and its format. A file that is not a valid list gets its errors and
    /// `preload: PATH is not a valid FORMAT file` + `refusal` on stderr, and exit 1.
    static func load(_ path: String, refusal: String = "") throws -> (format: ListFormat?, list: PreloadList, issues: [Issue]) {
        let (format, decoding) = ListCodec.decodeAnyFormat(try read(path))
        guard let list = decoding.list else {
            printIssues(decoding.issues.filter { $0.severity == .error }, hint: "run `preload lint list` to see all") {
                Console.err($0)
            }
            Console.err("preload: \(path) is not a valid \(format?.rawValue ?? "list") file" + refusal)
            throw Exit.blocked
        }
        return (format, list, decoding.issues)
    }

    /// One line per finding: `severity code subject: message`.
    static func line(_ issue: Issue) -> String {
        let severity: String
        switch issue.severity {
        case .error: severity = Console.color("error  ", "31")
        case .warning: severity = Console.color("warning", "33")
        case .info: severity = "info   "
        }
        let subject = issue.subject.map { " \($0):" } ?? ""
        return "\(severity) \(issue.code)\(subject) \(issue.message)"
    }

    /// Prints findings with `print`, at most `limit` per code; the rest are counted, with `hint` saying how to see them.
    static func printIssues(_ issues: [Issue], limit: Int = 20, hint: String, to print: (String) -> Void) {
        var shown: [IssueCode: Int] = [:]
        var hidden: [IssueCode: Int] = [:]
        for issue in issues {
            let n = shown[issue.code, default: 0]
            if n < limit {
                print(line(issue))
                shown[issue.code] = n + 1
            } else {
                hidden[issue.code, default: 0] += 1
            }
        }
        for (code, n) in hidden.sorted(by: { $0.key < $1.key }) {
            print("… and \(n) more \(code) findings (\(hint))")
        }
    }
}
