import PreloadCore

/// Decides the TLS policy for a destination domain. The socketmap daemon and `preload resolve` ask it; the
/// real implementation combines the MTA-STS cache with the installed list, tests use fakes.
public protocol PolicyResolving: Sendable {
    /// The merged decision for `domain`. Never throws: a failed lookup is a decision with a
    /// ``TLSPolicyDecision/temporaryFailure``.
    func resolve(_ domain: DomainName) async -> TLSPolicyDecision

    /// The decision ``resolve(_:)`` would return now, when it can be made at once from memory (no lookup, no
    /// reload check due); `nil` when the caller must await ``resolve(_:)``. The socketmap answers such
    /// requests on its event loop without a hop. The default makes none.
    func resolveImmediately(_ domain: DomainName) -> TLSPolicyDecision?

    /// What decisions depend on besides the domain, now: two calls that return equal epochs would make the
    /// same decision for every domain, so a caller may reuse a decision (or its rendering) made in the same
    /// epoch. `nil` when no reuse is allowed. The default is always `nil`.
    func decisionEpoch() -> DecisionEpoch?

    /// Records what making a decision again from memory would have recorded (the MTA-STS cache's hit), for a
    /// caller that reuses a decision made in the same epoch instead. The default records nothing.
    func noteReusedDecision()
}

extension PolicyResolving {
    public func resolveImmediately(_ domain: DomainName) -> TLSPolicyDecision? { nil }
    public func decisionEpoch() -> DecisionEpoch? { nil }
    public func noteReusedDecision() {}
}

/// The inputs of decisions besides the domain: the time to the second (decisions use one-second time), and
/// versions of the list and of the MTA-STS cache, which change whenever their content does.
public struct DecisionEpoch: Hashable, Sendable {
    /// Seconds since 1970.
    public var second: Int64
    /// The list's version.
    public var list: UInt64
    /// The MTA-STS cache's version.
    public var mtaSTS: UInt64

    /// An epoch.
    public init(second: Int64, list: UInt64, mtaSTS: UInt64) {
        self.second = second
        self.list = list
        self.mtaSTS = mtaSTS
    }
}

/// A resolver over a fixed table of decisions (tests, and a list-only mode without MTA-STS lookups).
public struct StaticPolicyResolver: PolicyResolving {
    /// Decisions by domain; missing domains get no policy.
    public var decisions: [DomainName: TLSPolicyDecision]

    /// A resolver answering from `decisions`.
    public init(_ decisions: [DomainName: TLSPolicyDecision]) { self.decisions = decisions }

    public func resolve(_ domain: DomainName) async -> TLSPolicyDecision {
        decisions[domain] ?? TLSPolicyDecision(domain: domain, source: .none, mode: .none, note: "no policy known")
    }

    public func resolveImmediately(_ domain: DomainName) -> TLSPolicyDecision? {
        decisions[domain] ?? TLSPolicyDecision(domain: domain, source: .none, mode: .none, note: "no policy known")
    }
    /// Always the same: the table never changes.
    public func decisionEpoch() -> DecisionEpoch? { DecisionEpoch(second: 0, list: 0, mtaSTS: 0) }
}
