import PreloadCore

/// What the owner's steps (``SubmitService``, ``RemovalService``) work with besides the network: the state,
/// the one clock, the lifecycle rules and the abuse limits.
struct OwnerStepContext: Sendable {
    let store: any CurationStore
    let clock: any TimeSource
    let policy: LifecyclePolicy
    let limits: AbuseLimits

    /// What one step starts from: the state, the time it happens at (read once), and the rules.
    func start() -> (store: any CurationStore, now: Timestamp, policy: LifecyclePolicy, limits: AbuseLimits) {
        (store, clock.now(), policy, limits)
    }
}
