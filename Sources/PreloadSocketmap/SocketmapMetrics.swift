import CoreMetrics
import PreloadClient

/// The socketmap daemon's metrics (swift-metrics; `preload socketmap --metrics-listen` exports them in the
/// Prometheus text format through ``PrometheusExporter``).
///
/// Every series exists from the start (counters at 0), and every label set is closed: no domain name is
/// ever a label.
public struct SocketmapMetrics: Sendable {
    /// Where an answered query's decision came from: the `source` label of ``Name/queries``.
    public enum Source: String, CaseIterable, Sendable {
        /// A live or cached MTA-STS policy decided (enforce, testing or none).
        case mtaSTS = "mta-sts"
        /// The preload list decided.
        case list
        /// Nothing applies (also keys without a policy: address literals, parent-domain keys).
        case none
        /// The lookup failed with nothing cached or listed: `TEMP`, Postfix defers.
        case temp
        /// DNSSEC-validated TLSA records decided (`dane-only`, `dane`).
        case dane
    }

    /// The metrics' names (Prometheus conventions: `preload_` prefix, `_total` counters, base units).
    public enum Name {
        /// Counter, label `source` (``Source``).
        public static let queries = "preload_socketmap_queries_total"
        /// Counter.
        public static let malformed = "preload_socketmap_malformed_requests_total"
        /// Gauge.
        public static let connections = "preload_socketmap_connections"
        /// Gauge.
        public static let listSerial = "preload_list_serial"
        /// Gauge (seconds since 1970).
        public static let listExpiry = "preload_list_expiry_timestamp_seconds"
        /// Gauge.
        public static let listDomains = "preload_list_domains"
    }

    /// One-line descriptions by name (for `# HELP`), the MTA-STS cache's included.
    public static let help: [String: String] = MTASTSMetrics.help.merging([
        Name.queries: "Socketmap lookups answered, by the source of the decision (dane, mta-sts, list, none, temp).",
        Name.malformed: "Socketmap requests refused with PERM: malformed, or for an unknown map name.",
        Name.connections: "Open socketmap connections.",
        Name.listSerial: "Serial of the verified preload list in use (0: none loaded).",
        Name.listExpiry: "Expiry of the verified preload list in use, as a Unix time (0: none loaded).",
        Name.listDomains: "Domains with a policy in the verified preload list in use.",
    ]) { first, _ in first }

    private let queries: [Counter]
    /// Requests answered `PERM`.
    public let malformed: Counter
    /// Open connections (set when scraped).
    public let connections: Gauge
    /// The list's serial (set when scraped).
    public let listSerial: Gauge
    /// The list's expiry (set when scraped).
    public let listExpiry: Gauge
    /// The list's size (set when scraped).
    public let listDomains: Gauge
    /// The MTA-STS cache's metrics, for the resolver.
    public let mtaSTS: MTASTSMetrics

    /// Creates the metrics in `factory`; every series exists (at 0) from then on.
    public init(factory: any MetricsFactory) {
        queries = Source.allCases.map { Counter(label: Name.queries, dimensions: [("source", $0.rawValue)], factory: factory) }
        malformed = Counter(label: Name.malformed, dimensions: [], factory: factory)
        connections = Gauge(label: Name.connections, dimensions: [], factory: factory)
        listSerial = Gauge(label: Name.listSerial, dimensions: [], factory: factory)
        listExpiry = Gauge(label: Name.listExpiry, dimensions: [], factory: factory)
        listDomains = Gauge(label: Name.listDomains, dimensions: [], factory: factory)
        for gauge in [connections, listSerial, listExpiry, listDomains] { gauge.record(0) }
        mtaSTS = MTASTSMetrics(factory: factory)
    }

    /// Counts one answered query.
    @inline(__always)
    public func count(_ source: Source) {
        switch source {
        case .mtaSTS: queries[0].increment()
        case .list: queries[1].increment()
        case .none: queries[2].increment()
        case .temp: queries[3].increment()
        case .dane: queries[4].increment()
        }
    }

    /// Sets the list gauges from the list in use (`nil`: none loaded).
    public func record(list: ListIndex?) {
        listSerial.record(Double(list?.serial ?? 0))
        listExpiry.record(Double(list?.expires.secondsSince1970 ?? 0))
        listDomains.record(Double(list?.count ?? 0))
    }
}
