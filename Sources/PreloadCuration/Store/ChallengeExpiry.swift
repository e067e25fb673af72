import PreloadCore

extension StateWriter {
    /// Expires, in this transaction, every open challenge whose time is up (only `domain`'s when given):
    /// the challenge is marked expired and its lifecycle step recorded with an audit line (actor
    /// `expiry`). A pending submission goes back to `removed`; a removal request lapses and the domain
    /// stays where it is. Run by `validate-all` for every domain, and by `submit`, `remove` and `status`
    /// for theirs, so an expiry shows wherever the domain is looked at.
    @discardableResult
    public func expireChallenges(now: Timestamp, domain: DomainName? = nil,
                                 policy: LifecyclePolicy = .defaults) throws -> [LifecycleStep] {
        var steps: [LifecycleStep] = []
        for var row in try openChallenges(expiredAt: now, domain: domain) {
            row.status = .expired
            try update(row)
            guard let current = try record(row.domain) else { continue }
            let step = try Lifecycle.apply(.challengeExpired(Challenge(row: row)), to: current, domain: row.domain,
                                           now: now, policy: policy)
            guard step.audit != nil else { continue }
            try record(step, actor: .expiry, now: now, policy: policy)
            steps.append(step)
        }
        return steps
    }
}
