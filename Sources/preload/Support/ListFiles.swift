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
