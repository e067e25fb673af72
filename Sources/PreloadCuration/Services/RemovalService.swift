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
    /// For the challenge TXT lookup.
    public let dns: any CheckerDNS
    /// The state, the clock and the rules.
    let context: OwnerStepContext

    /// Creates a value: the state, the resolver for the challenge lookup, the one clock, the lifecycle rules and
    /// the abuse limits.
    public init(store: any CurationStore, dns: any CheckerDNS, clock: any TimeSource, policy: LifecyclePolicy = .defaults,
                limits: AbuseLimits = .defaults) {
        self.dns = dns
        context = OwnerStepContext(store: store, clock: clock, policy: policy, limits: limits)
    }

    /// The owner's removal: issues a challenge, or checks the published one and applies the removal.
    public func requestRemoval(of domain: DomainName) async throws -> RemovalOutcome {
        let (store, now, policy, limits) = context.start()
        let (record, open, lapsed) = try await store.write { tx -> (DomainRecord, ChallengeRow?, Bool) in
            // An earlier removal challenge that expired unproven lapses here (audit `removal-expired`).
            let lapsed = try tx.expireChallenges(now: now, domain: domain, policy: policy)
                .contains { $0.audit?.reason == .removalExpired }
            guard let record = try tx.record(domain), record.state != .removed else {
                throw LifecycleRefusal.notActive(try tx.record(domain)?.state)
            }
            if record.state == .removalRequested { return (record, nil, lapsed) }
            try tx.checkDailyLimit(domain: domain, kind: .remove, now: now, limit: limits.removalsPerDomainPerDay) {
                "\($0) removal attempts for \(domain.value) in the last 24 hours"
            }
            try tx.recordAttempt(domain: domain, kind: .remove, time: now)
            return (record, try tx.openChallenge(domain: domain, purpose: .remove), lapsed)
        }
        if record.state == .removalRequested { return .alreadyRequested(record) }

        let challenge = open.map(Challenge.init(row:))
        var proven = false
        if let challenge, !challenge.isExpired(at: now) {
            let lookup = await challenge.check(for: domain, in: dns, at: now)
            proven = lookup.proven
            if !proven { return .awaitingChallenge(challenge, record, lookupFailed: lookup.lookupFailed) }
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
        let (store, now, policy, _) = context.start()
        return try await store.write { tx in
            let step = try Lifecycle.apply(.forcedRemoval(reason: reason), to: try tx.record(domain), domain: domain,
                                           now: now, policy: policy)
            try tx.record(step, actor: .maintainer, now: now, policy: policy)
            return .forced(step.record)
        }
    }
}
