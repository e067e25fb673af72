import PreloadChecker
import PreloadCore

/// `preload check`: one report per domain.
struct CheckOutput: CommandResult {
    var reports: [DomainReport]

    struct JSONForm: Encodable {
        let reports: [DomainReport]
    }

    var json: JSONForm { JSONForm(reports: reports) }
    var text: TextOutput { TextOutput(out: [CheckReportRenderer.text(reports)]) }
}

/// Renders checker reports for people: a verdict per domain, its MX hosts, then each finding with its
/// subject and what to fix.
enum CheckReportRenderer {
    static func text(_ reports: [DomainReport]) -> String {
        var out: [String] = []
        for report in reports {
            let errors = report.issues.filter { $0.severity == .error }.count
            let warnings = report.issues.filter { $0.severity == .warning }.count
            let verdict = report.eligible
                ? Console.color("eligible", "32") : Console.color("NOT eligible", "31")
            var counts: [String] = []
            if errors > 0 { counts.append("\(errors) error\(errors == 1 ? "" : "s")") }
            if warnings > 0 { counts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
            out.append("\(report.domain): \(verdict)" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))"))
            for mx in report.mx {
                let addresses = mx.addresses.map { "\($0.address) \($0.passed ? "ok" : "FAIL")" + ($0.tlsVersion.map { " \($0)" } ?? "") }
                out.append("  MX \(mx.preference) \(mx.host): " + (addresses.isEmpty ? "no addresses" : addresses.joined(separator: ", ")))
            }
            if let sts = report.mtaSTS {
                var line = "  MTA-STS: record \(sts.record)"
                if let id = sts.id { line += " (id \(id))" }
                if let policy = sts.policy {
                    line += ", policy mode \(policy.mode.rawValue), max_age \(policy.maxAge), mx \(policy.mx.map(\.description).joined(separator: " "))"
                }
                out.append(line)
            }
            if let rpt = report.tlsRPT {
                out.append("  TLS-RPT: record \(rpt.record)" + (rpt.rua.isEmpty ? "" : " → \(rpt.rua.joined(separator: ", "))"))
            }
            for issue in report.issues.sorted(by: { ($1.severity, $0.code) < ($0.severity, $1.code) }) {
                out.append("  " + line(for: issue))
                out.append("      " + issue.message)
                if let fix = issue.code.entry?.fix { out.append("      fix: " + fix) }
            }
        }
        return out.joined(separator: "\n")
    }

    static func line(for issue: Issue) -> String {
        let label: String
        switch issue.severity {
        case .error: label = Console.color("error  ", "31")
        case .warning: label = Console.color("warning", "33")
        case .info: label = Console.color("info   ", "36")
        }
        return "\(label) \(issue.code)" + (issue.subject.map { " — \($0)" } ?? "")
    }
}
