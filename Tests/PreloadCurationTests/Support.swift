import PreloadCore
@testable import PreloadCuration

let t0 = Timestamp(rfc3339: "2026-12-01T00:00:00Z")!
let example = try! DomainName("example.test")

func patterns(_ list: String...) -> [MXPattern] { list.map { try! MXPattern($0) } }
func hosts(_ list: String...) -> [DomainName] { list.map { try! DomainName($0) } }

let manualTerms = SubmissionTerms(contact: "postmaster@example.test", requestedMode: .enforce,
                                  patterns: patterns("mx1.example.test", "mx2.example.test"), provenance: .manual)
let stsTerms = SubmissionTerms(contact: "postmaster@example.test", requestedMode: .enforce,
                               patterns: patterns("*.example.test"), provenance: .mtaSTS)

/// A passing validation of example.test's two MX hosts at `time`, optionally with an MTA-STS policy.
func pass(_ time: Timestamp, policy: STSPolicy? = nil,
          mx: [DomainName] = hosts("mx1.example.test", "mx2.example.test")) -> ValidationOutcome {
    ValidationOutcome(time: time, eligible: true, issueCodes: [], mxHosts: mx, policy: policy)
}

/// A failing validation at `time`.
func fail(_ time: Timestamp, _ codes: IssueCode...) -> ValidationOutcome {
    ValidationOutcome(time: time, eligible: false, issueCodes: codes,
                      mxHosts: hosts("mx1.example.test", "mx2.example.test"), policy: nil)
}

func stsPolicy(_ mode: STSMode, _ mx: String...) -> STSPolicy {
    STSPolicy(mode: mode, maxAge: 604800, mx: mx.map { try! MXPattern($0) })
}

/// A record in `state` since `since`, as the lifecycle would have left it.
func record(_ state: LifecycleState, since: Timestamp = t0, terms: SubmissionTerms = manualTerms) -> DomainRecord {
    var r = DomainRecord(domain: example, state: state, since: since, reason: .submitted, terms: terms)
    switch state {
    case .probation:
        r.probationSince = since
    case .listed, .removalRequested:
        r.added = since
        r.lastVerified = since
    case .failing:
        r.added = since.adding(days: -30)
        r.failingSince = since
    default:
        break
    }
    return r
}

/// Applies an event, failing the test on refusal.
func step(_ event: LifecycleEvent, _ r: DomainRecord?, at now: Timestamp,
          policy: LifecyclePolicy = .defaults) throws -> LifecycleStep {
    try Lifecycle.apply(event, to: r, domain: example, now: now, policy: policy)
}

/// Domain names written as literals in tests (a bad literal stops the test at once).
extension DomainName: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { try! self.init(value) }
}
