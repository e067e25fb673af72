import CoreMetrics

/// The MTA-STS cache's metrics (swift-metrics; the backend is chosen by the program, e.g. Prometheus).
///
/// A hit is an answer from what the cache already knows (checked within the recheck interval); a miss is a
/// lookup (the TXT record, and the policy when its id changed or it expired). Fetch durations are recorded
/// for every policy fetch, labelled by outcome.
public struct MTASTSMetrics: Sendable {
    /// Answers from the cache.
    public let cacheHits: Counter
    /// Lookups.
    public let cacheMisses: Counter
    /// Durations of policy fetches that returned a policy.
    public let fetchSucceeded: Timer
    /// Durations of policy fetches that failed.
    public let fetchFailed: Timer

    /// The metrics' names (Prometheus conventions: `preload_` prefix, `_total` counters, base units).
    public enum Name {
        /// Counter.
        public static let cacheHits = "preload_mta_sts_cache_hits_total"
        /// Counter.
        public static let cacheMisses = "preload_mta_sts_cache_misses_total"
        /// Histogram of seconds, label `result` = `ok` | `failed`.
        public static let fetchDuration = "preload_mta_sts_policy_fetch_duration_seconds"
    }

    /// One-line descriptions by name (for `# HELP`).
    public static let help: [String: String] = [
        Name.cacheHits: "Socketmap lookups answered from the MTA-STS cache without a DNS lookup.",
        Name.cacheMisses: "Lookups that asked DNS for the _mta-sts record (and fetched the policy when needed).",
        Name.fetchDuration: "Duration of MTA-STS policy fetches over HTTPS, by result.",
    ]

    /// Histogram buckets of the fetch duration (seconds): from a loopback fetch to the 60 s RFC 8461 limit.
    public static let fetchDurationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    /// Creates the metrics in `factory`; every series exists (at 0) from then on.
    public init(factory: any MetricsFactory) {
        cacheHits = Counter(label: Name.cacheHits, dimensions: [], factory: factory)
        cacheMisses = Counter(label: Name.cacheMisses, dimensions: [], factory: factory)
        fetchSucceeded = Timer(label: Name.fetchDuration, dimensions: [("result", "ok")], factory: factory)
        fetchFailed = Timer(label: Name.fetchDuration, dimensions: [("result", "failed")], factory: factory)
    }
}
