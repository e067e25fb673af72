import ArgumentParser
import Foundation
import PreloadCore

/// Reading list files for the `list` and `lint list` commands.
enum ListFiles {
    /// Largest list file read (a million domains take about 200 MB in v1).
    static let maxBytes = 1 << 30

    /// The bytes of `path`, or of standard input for `-`. Prints the reason and exits 64 when unreadable.
    static func read(_ path: String) throws -> [UInt8] {
        let data: Data
        do {
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
            }
        } catch {
            Console.err("preload: cannot read \(path): \(error.localizedDescription)")
            throw Exit.usage
        }
        guard data.count <= maxBytes else {
            Console.err("preload: \(path) is larger than \(maxBytes) bytes")
            throw Exit.usage
        }
        return [UInt8](data)
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
