import CoreMetrics
import Foundation
import PreloadCore
import PreloadCuration
import PreloadSocketmap
import Prometheus
import Synchronization

/// The service's metrics (swift-metrics over a swift-prometheus registry), served at `GET /metrics` in the
/// Prometheus text format. Label sets are closed: routes are templates (`/api/v1/domains/{domain}`), never a
/// domain name; no contact address is ever a label.
public final class ServiceMetrics: Sendable {
    /// The metrics' names.
    public enum Name {
        public static let requests = "preload_http_requests_total"
        public static let duration = "preload_http_request_duration_seconds"
        public static let submissions = "preload_submissions_total"
        public static let removals = "preload_removals_total"
        public static let domains = "preload_domains"
        public static let findings = "preload_last_run_findings"
        public static let publishSerial = "preload_last_publish_serial"
        public static let publishTime = "preload_last_publish_timestamp_seconds"
        public static let checks = "preload_checks_running"
        public static let preflights = "preload_preflights_total"
        public static let contacts = "preload_contact_confirmations_total"
    }

    static let help: [String: String] = [
        Name.requests: "HTTP requests answered, by route template and status code.",
        Name.duration: "Time to answer an HTTP request, by route template.",
        Name.submissions: "Submission and confirmation requests, by outcome.",
        Name.removals: "Removal requests and confirmations, by outcome.",
        Name.domains: "Domains in the curation state, by lifecycle state.",
        Name.findings: "Findings of the last completed validate-all run, by issue code.",
        Name.publishSerial: "Serial of the last published list (0: none).",
        Name.publishTime: "Time of the last publish, as a Unix time (0: none).",
        Name.checks: "Checks triggered by requests that are running now.",
        Name.preflights: "Preflight requests answered, by how the report was obtained (checked, reused, joined).",
        Name.contacts: "Contact confirmation requests and confirmations, by outcome (never by address).",
    ]

    /// Submission outcomes (`outcome` label of ``Name/submissions``).
    public static let submissionOutcomes = ["challenge-issued", "awaiting-challenge", "verified", "ineligible",
                                            "patterns-uncovered", "already-active", "not-pending", "rate-limited", "error"]
    /// Removal outcomes (`outcome` label of ``Name/removals``).
    public static let removalOutcomes = ["challenge-issued", "awaiting-challenge", "accepted", "already-requested",
                                         "not-active", "rate-limited", "error"]

    /// Contact confirmation outcomes (`outcome` label of ``Name/contacts``).
    public static let contactOutcomes = ["confirmation-sent", "confirmation-recorded", "mail-failed",
                                         "rate-limited", "confirmed", "code-invalid", "code-expired"]

    public let registry: PrometheusCollectorRegistry
    private let factory: PreloadPrometheusFactory
    /// The request counters by route template and status.
    private struct RouteStatus: Hashable {
        var route: String
        var status: UInt
    }
    private let requestCounters = Mutex([RouteStatus: CoreMetrics.Counter]())
    private let timers = Mutex([String: CoreMetrics.Timer]())
    private let submissionCounters: [String: CoreMetrics.Counter]
    private let removalCounters: [String: CoreMetrics.Counter]
    private let preflightCounters: [String: CoreMetrics.Counter]
    private let contactCounters: [String: CoreMetrics.Counter]
    private let domainGauges: [LifecycleState: CoreMetrics.Gauge]
    private let findingGauges = Mutex([String: CoreMetrics.Gauge]())
    private let publishSerial: CoreMetrics.Gauge
    private let publishTime: CoreMetrics.Gauge
    let checksRunning: CoreMetrics.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PreloadPrometheusFactory(registry: registry, help: Self.help,
                                           timerBuckets: [Name.duration: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                          0.25, 0.5, 1, 2.5, 5, 10, 30, 60]])
        let f = factory
        submissionCounters = Dictionary(uniqueKeysWithValues: Self.submissionOutcomes.map {
            ($0, CoreMetrics.Counter(label: Name.submissions, dimensions: [("outcome", $0)], factory: f))
        })
        removalCounters = Dictionary(uniqueKeysWithValues: Self.removalOutcomes.map {
            ($0, CoreMetrics.Counter(label: Name.removals, dimensions: [("outcome", $0)], factory: f))
        })
        preflightCounters = Dictionary(uniqueKeysWithValues: ["checked", "reused", "joined", "refused"].map {
            ($0, CoreMetrics.Counter(label: Name.preflights, dimensions: [("source", $0)], factory: f))
        })
        contactCounters = Dictionary(uniqueKeysWithValues: Self.contactOutcomes.map {
            ($0, CoreMetrics.Counter(label: Name.contacts, dimensions: [("outcome", $0)], factory: f))
        })
        domainGauges = Dictionary(uniqueKeysWithValues: LifecycleState.allCases.map {
            ($0, CoreMetrics.Gauge(label: Name.domains, dimensions: [("state", $0.rawValue)], factory: f))
        })
        publishSerial = CoreMetrics.Gauge(label: Name.publishSerial, dimensions: [], factory: f)
        publishTime = CoreMetrics.Gauge(label: Name.publishTime, dimensions: [], factory: f)
        checksRunning = CoreMetrics.Gauge(label: Name.checks, dimensions: [], factory: f)
        for gauge in Array(domainGauges.values) + [publishSerial, publishTime, checksRunning] { gauge.record(0) }
    }

    /// Counts one answered request and its duration.
    public func request(route: String, status: UInt, seconds: Double) {
        let key = RouteStatus(route: route, status: status)
        let f = factory
        let counter = requestCounters.withLock { table in
            if let c = table[key] { return c }
            let c = CoreMetrics.Counter(label: Name.requests, dimensions: [("route", route), ("status", String(status))], factory: f)
            table[key] = c
            return c
        }
        counter.increment()
        let timer = timers.withLock { table in
            if let t = table[route] { return t }
            let t = CoreMetrics.Timer(label: Name.duration, dimensions: [("route", route)], factory: f)
            table[route] = t
            return t
        }
        timer.recordNanoseconds(Int64(seconds * 1e9))
    }

    public func submission(_ outcome: String) { submissionCounters[outcome]?.increment() }
    public func removal(_ outcome: String) { removalCounters[outcome]?.increment() }
    public func preflight(_ source: String) { preflightCounters[source]?.increment() }
    public func contact(_ outcome: String) { contactCounters[outcome]?.increment() }

    /// Sets the gauges read from the state (before each scrape).
    public func record(domains: [LifecycleState: Int], findings: [String: Int], publication: PublicationRow?) {
        for (state, gauge) in domainGauges { gauge.record(Double(domains[state] ?? 0)) }
        let f = factory
        findingGauges.withLock { table in
            for code in Set(table.keys).union(findings.keys) {
                let gauge = table[code] ?? CoreMetrics.Gauge(label: Name.findings, dimensions: [("code", code)], factory: f)
                table[code] = gauge
                gauge.record(Double(findings[code] ?? 0))
            }
        }
        publishSerial.record(Double(publication?.serial ?? 0))
        publishTime.record(Double(publication?.time.secondsSince1970 ?? 0))
    }

    /// The exposition text.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
