import PreloadCuration

/// `preload validate-all`: the run's counts, state changes, publication and notifications.
struct ValidateAllOutput: CommandResult {
    var summary: RunSummary

    var json: RunSummary { summary }
    var text: TextOutput { TextOutput(out: [Self.text(summary)]) }

    static func text(_ s: RunSummary) -> String {
        var out = ["validate-all run \(s.run)\(s.resumed ? " (resumed an interrupted run)" : ""): "
            + "\(s.validated) validated, \(s.passed) passed, \(s.failed) failed"
            + (s.inconclusive > 0 ? ", \(s.inconclusive) inconclusive (our resolver was unreachable)" : "")]
        if s.transitions.isEmpty {
            out.append("  no state changes")
        }
        for t in s.transitions {
            out.append("  \(t.from) → \(t.to) (\(t.reason)): \(t.domains.joined(separator: " "))")
        }
        if s.disputed > 0 {
            out.append("  \(s.disputed) domain\(s.disputed == 1 ? "" : "s") failed from one vantage only: no step (a warning in their history)")
        }
        if s.awaitingVantages > 0 {
            out.append("  \(s.awaitingVantages) domain\(s.awaitingVantages == 1 ? "" : "s") wait for other vantages; the round completes when they have reported")
        }
        if s.completedElsewhere {
            out.append("  round completed by another worker (it publishes and notifies)")
        }
        if let p = s.publication {
            var line = "  list: \(p.action.rawValue) — \(p.reason)"
            if let l = p.list { line += " (serial \(l.serial), \(l.domains) domains, expires \(l.expires.rfc3339))" }
            out.append(line)
        }
        let n = s.notifications
        if !s.completedElsewhere && s.awaitingVantages == 0 { out.append("  notifications: \(n.sent) sent, \(n.recorded) recorded, \(n.retrying) to retry, \(n.failed) failed, \(n.withheld) withheld (contact not confirmed)") }
        return out.joined(separator: "\n")
    }
}
