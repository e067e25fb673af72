import PreloadCore

/// The end-of-run summary of `validate-all`.
public struct RunSummary: Sendable, Hashable, Codable {
    public var run: Int64
    /// This run took over one killed earlier.
    public var resumed: Bool
    public var started: Timestamp
    public var finished: Timestamp?
    /// Domains validated by this process.
    public var validated = 0
    public var passed = 0
    public var failed = 0
    /// Our own resolver failed: the result says nothing about the domain and no step was taken.
    public var inconclusive = 0
    /// Every state change, grouped.
    public var transitions: [TransitionGroup] = []
    public var publication: PublicationOutcome?
    public var notifications = DeliveryTally()

    /// The domains that took the same step.
    public struct TransitionGroup: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        public var reason: String
        public var domains: [String]
    }

    /// What the publish phase did.
    public struct PublicationOutcome: Sendable, Hashable, Codable {
        /// `published`, `skipped` or `disabled`.
        public var action: String
        public var reason: String
        public var list: PublishedListInfo?
    }

    public init(run: Int64, resumed: Bool, started: Timestamp) {
        self.run = run
        self.resumed = resumed
        self.started = started
    }

    mutating func add(_ step: LifecycleStep) {
        guard step.stateChanged, let from = step.from, let reason = step.audit?.reason.rawValue else { return }
        let to = step.record.state.rawValue
        if let i = transitions.firstIndex(where: { $0.from == from.rawValue && $0.to == to && $0.reason == reason }) {
            transitions[i].domains.append(step.record.domain.value)
            transitions[i].domains.sort()
        } else {
            transitions.append(TransitionGroup(from: from.rawValue, to: to, reason: reason,
                                               domains: [step.record.domain.value]))
            transitions.sort { ($0.from, $0.to, $0.reason) < ($1.from, $1.to, $1.reason) }
        }
    }
}
