import PreloadCore

/// What DANE says about a destination, for ``PreloadPolicyResolver``.
public protocol DANEEvaluating: Sendable {
    /// The DANE state of `domain` (``DANEObservation/state``).
    func state(for domain: DomainName) async -> DANEState
}
