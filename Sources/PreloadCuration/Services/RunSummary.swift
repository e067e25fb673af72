import PreloadCore

/// The end-of-run summary of `validate-all`.
public struct RunSummary: Sendable, Hashable, Codable {
    /// The run id.
    public var run: Int64
    /// This run took over one killed earlier, or (shared rounds) joined a round other workers run.
    public var resumed: Bool
    /// Shared rounds: another worker completes the round (publishes, notifies); this one only validated.
    public var completedElsewhere = false
    /// Shared rounds needing several vantages: domains that wait for other vantages' results (this vantage
    /// reported on them); the round completes when those have reported.
    public var awaitingVantages = 0
    /// Domains a failure from one vantage alone left where they were (a warning in their history).
    public var disputed = 0
    /// When it started.
    public var started: Timestamp
    /// When it finished.
    public var finished: Timestamp?
    /// Domains validated by this process.
    public var validated = 0
    /// Validations that passed.
    public var passed = 0
    /// Validations that failed.
    public var failed = 0
    /// Our own resolver failed: the result says nothing about the domain and no step was taken.
    public var inconclusive = 0
    /// Every state change, grouped.
    public var transitions: [TransitionGroup] = []
    /// What the publish phase did.
    public var publication: PublicationOutcome?
    /// What delivering notifications did.
    public var notifications = DeliveryTally()

    /// The domains that took the same step.
    public struct TransitionGroup: Sendable, Hashable, Codable {
        /// State code before the step.
        public var from: String
        /// State code after the step.
        public var to: String
        /// The transition reason code.
        public var reason: String
        /// The domains, sorted.
        public var domains: [String]
    }

    /// What the publish phase did.
    public struct PublicationOutcome: Sendable, Hashable, Codable {
        /// Published, skipped or disabled.
        public var action: Action
        /// Why (the content change, the refresh, or why nothing was published).
        public var reason: String
        /// The published list, when one was published.
        public var list: PublishedListInfo?

        /// What the publish phase did (stored with the run's summary).
        public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
            /// A new list was signed and committed.
            case published
            /// The committed list is current.
            case skipped
            /// `--no-publish`.
            case disabled
        }
    }

    /// Creates a value; see the properties.
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
