import PreloadCore

/// What the results of several vantages on one domain in one round decide. A network path can break for
/// one validator without the domain being at fault: a domain is promoted only when every vantage that
/// reported saw it pass, and moves to failing only when at least two vantages saw it fail (or all did, when
/// fewer than two reported). A failure seen from one vantage alone is a warning in the domain's history.
/// Inconclusive results (the vantage's own resolver failed) do not report.
public enum VantageVerdict: Sendable, Hashable {
    /// Apply this outcome.
    case outcome(ValidationOutcome)
    /// One vantage alone saw the domain fail while the others saw it pass: no step.
    case disputed(failedAt: [String], passedAt: [String], errorCodes: [IssueCode])

    /// The verdict of one result per vantage (vantage name, outcome), in the order they were recorded; at
    /// least one. When no vantage reported (every result inconclusive), the newest result: no step.
    public static func combine(_ results: [(vantage: String, outcome: ValidationOutcome)]) -> VantageVerdict {
        precondition(!results.isEmpty, "a verdict needs a result")
        let conclusive = results.filter { !$0.outcome.inconclusive }
        guard !conclusive.isEmpty else { return .outcome(results[results.count - 1].outcome) }
        let failing = conclusive.filter { !$0.outcome.eligible }
        let passing = conclusive.filter { $0.outcome.eligible }
        if failing.isEmpty { return .outcome(passing[passing.count - 1].outcome) }
        if failing.count >= 2 || passing.isEmpty { return .outcome(failing[failing.count - 1].outcome) }
        return .disputed(failedAt: failing.map(\.vantage).sorted(), passedAt: passing.map(\.vantage).sorted(),
                         errorCodes: Array(Set(failing.flatMap(\.outcome.errorCodes))).sorted())
    }
}
