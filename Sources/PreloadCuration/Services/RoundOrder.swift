import PreloadCore

/// The order in which a round's domains are claimed.
///
/// A domain that failed its last validation (``LifecycleState/failing``) often fails again the same way:
/// by a timeout (an MX host that accepts and never answers), which holds a probe slot for the whole
/// `--timeout`. Claimed in name order, the last such domain starts near the end of the round, and its
/// timeout becomes the round's tail: the machine sits idle while it runs out. These domains are spread
/// evenly over the first half of the round instead, so that their timeouts run beside the other domains'
/// work; the others keep name order over the whole round, so the failing domains never hold every slot at
/// once either. (A round of 1,000 test-bed domains, 100 of them failing by timeout, at concurrency 64:
/// 7.9–8.6 s in name order, 6.3–6.4 s arranged.)
public enum RoundOrder {
    /// `domains` in claim order; `failing` names those to move forward. Deterministic: the same domains give
    /// the same order.
    public static func arrange(_ domains: [DomainName], failing: Set<DomainName>) -> [DomainName] {
        let sorted = domains.sorted { $0.value.utf8.lexicographicallyPrecedes($1.value.utf8) }
        let early = sorted.filter { failing.contains($0) }
        let rest = sorted.filter { !failing.contains($0) }
        guard !early.isEmpty, !rest.isEmpty else { return sorted }
        let total = Double(sorted.count)
        // Each domain's place as a fraction of the round: the rest over all of it, the failing domains over its
        // first half. Ties go to the failing domain.
        var keyed = rest.enumerated().map { (Double($0.offset) / Double(rest.count) * total, 1, $0.element) }
        keyed += early.enumerated().map { (Double($0.offset) / Double(early.count) * total / 2, 0, $0.element) }
        return keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }
}
