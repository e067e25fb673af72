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
}

extension PolicyResolving {
    public func resolveImmediately(_ domain: DomainName) -> TLSPolicyDecision? { nil }
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
}
