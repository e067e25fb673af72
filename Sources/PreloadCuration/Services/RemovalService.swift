import PreloadChecker
import PreloadCore

/// What `preload remove` did.
public enum RemovalOutcome: Sendable {
    /// A removal challenge to publish (`renewed` when an earlier token expired).
    case challengeIssued(Challenge, DomainRecord, renewed: Bool)
    /// The open removal challenge is not published yet (`lookupFailed` when the TXT lookup itself failed).
    case awaitingChallenge(Challenge, DomainRecord, lookupFailed: Bool)
    /// Proven: removed now (not in the list) or at the next publish (`removal-requested`).
    case accepted(DomainRecord)
    /// The removal was already requested; it happens at the next publish.
    case alreadyRequested(DomainRecord)
    /// A maintainer removed the domain.
    case forced(DomainRecord)
}

/// `preload remove`: by the owner through a challenge, or by a maintainer with `--force --reason`.
public struct RemovalService: Sendable {
    /// The state.
    public let store: any CurationStore
    /// For the challenge TXT lookup.
    public let dns: any CheckerDNS
    /// The one clock.
    public let clock: any TimeSource
    /// The lifecycle rules.
    public let policy: LifecyclePolicy
    /// The abuse limits.
    public let limits: AbuseLimits

    /// Creates a value; see the properties.
    public init(store: any CurationStore, dns: any CheckerDNS, clock: any TimeSource, policy: LifecyclePolicy = .defaults,
                limits: AbuseLimits = .defaults) {
        self.store = store
        self.dns = dns
        self.clock = clock
        self.policy = policy
        self.limits = limits
    }

    /// The owner's removal: issues a challenge, or checks the published one and applies the removal.
    public func requestRemoval(of domain: DomainName) async throws -> RemovalOutcome {
        let now = clock.now()
        let limits = self.limits
        let policy = self.policy
        let (record, open, lapsed) = try await store.write { tx -> (DomainRecord, ChallengeRow?, Bool) in
            // An earlier removal challenge that expired unproven lapses here (audit `removal-expired`).
            let lapsed = try tx.expireChallenges(now: now, domain: domain, policy: policy)
                .contains { $0.audit?.reason == .removalExpired }
            guard let record = try tx.record(domain), record.state != .removed else {
                throw LifecycleRefusal.notActive(try tx.record(domain)?.state)
            }
            if record.state == .removalRequested { return (record, nil, lapsed) }
            let recent = try tx.attempts(domain: domain, kind: .remove, since: now.adding(days: -1))
            guard recent < limits.removalsPerDomainPerDay else {
                throw CurationError.rateLimited("\(recent) removal attempts for \(domain.value) in the last 24 hours",
                                                retryAfter: now.adding(days: 1))
            }
            try tx.recordAttempt(domain: domain, kind: .remove, time: now)
            return (record, try tx.openChallenge(domain: domain, purpose: .remove), lapsed)
        }
        if record.state == .removalRequested { return .alreadyRequested(record) }

        let challenge = open.map(Challenge.init(row:))
        var proven = false
        var lookupFailed = false
        if let challenge, !challenge.isExpired(at: now) {
            switch await dns.txt(Challenge.recordName(for: domain)) {
            case .found(let records, _): proven = challenge.isProven(by: records, at: now)
            case .nxdomain, .noData: break
            case .failed: lookupFailed = true
            }
            if !proven { return .awaitingChallenge(challenge, record, lookupFailed: lookupFailed) }
        }
        if proven, let challenge {
            return try await store.write { tx in
                let step = try Lifecycle.apply(.ownerRemovalVerified, to: try tx.record(domain), domain: domain, now: now,
                                               policy: policy)
                try tx.record(step, actor: .owner, now: now, policy: policy)
                if var row = try tx.openChallenge(domain: domain, purpose: .remove), row.token == challenge.token {
                    row.status = .used
                    try tx.update(row)
                }
                return .accepted(step.record)
            }
        }
        var random = SystemRandomNumberGenerator()
        let fresh = Challenge.make(purpose: .remove, now: now, policy: policy, using: &random)
        try await store.write { tx in
            try tx.insert(ChallengeRow(domain: domain, purpose: .remove, token: fresh.token, created: fresh.created,
                                       expires: fresh.expires))
        }
        return .challengeIssued(fresh, record, renewed: lapsed || challenge != nil)
    }

    /// A maintainer's removal, effective at once (the next publish drops a listed domain).
    public func forceRemoval(of domain: DomainName, reason: String) async throws -> RemovalOutcome {
        let now = clock.now()
        let policy = self.policy
        return try await store.write { tx in
            let step = try Lifecycle.apply(.forcedRemoval(reason: reason), to: try tx.record(domain), domain: domain,
                                           now: now, policy: policy)
            try tx.record(step, actor: .maintainer, now: now, policy: policy)
            return .forced(step.record)
        }
    }
}
