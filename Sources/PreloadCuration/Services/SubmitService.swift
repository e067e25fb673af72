import Foundation
import PreloadChecker
import PreloadCore

/// What `preload submit` asked for.
public struct SubmitRequest: Sendable {
    /// The domain name.
    public var domain: DomainName
    /// Where notifications go.
    public var contact: ContactAddress
    /// `nil`: enforce (or, for an `mta-sts` entry, its policy's mode when that is testing).
    public var mode: ListMode?
    /// Patterns from `--mx`; empty to take them from the MTA-STS policy or the MX host names.
    public var patterns: [MXPattern]
    /// The contact counts as confirmed: it was given to the local `preload submit` on the maintainer's own
    /// machine (a service's requests leave it `false`: their contacts confirm by the mailed code).
    public var contactConfirmed: Bool

    /// Creates a value; see the properties.
    public init(domain: DomainName, contact: ContactAddress, mode: ListMode? = nil, patterns: [MXPattern] = [],
                contactConfirmed: Bool = false) {
        self.domain = domain
        self.contact = contact
        self.mode = mode
        self.patterns = patterns
        self.contactConfirmed = contactConfirmed
    }
}

/// What `preload submit` did.
public enum SubmitOutcome: Sendable {
    /// The checker found the domain ineligible; nothing was queued.
    case ineligible(DomainReport)
    /// The `--mx` patterns do not cover these MX hosts; nothing was queued.
    case patternsUncovered(DomainReport, [DomainName])
    /// The domain is already in probation, listed, failing, or asked for removal; nothing changed.
    case alreadyActive(DomainRecord)
    /// A new challenge to publish (`renewed` when an earlier token expired).
    case challengeIssued(Challenge, DomainRecord, DomainReport, renewed: Bool)
    /// The open challenge is not published yet (`lookupFailed` when the TXT lookup itself failed).
    case awaitingChallenge(Challenge, DomainRecord, DomainReport, lookupFailed: Bool)
    /// The challenge record was found: the domain is in probation.
    case verified(DomainRecord, DomainReport)
}

/// `preload submit`: check, queue, issue a challenge, and verify it on a later run.
public struct SubmitService: Sendable {
    /// The checker (live network, or fakes in tests).
    public let checker: Checker
    /// The state, the clock and the rules.
    let context: OwnerStepContext

    /// Creates a value: the state, the checker, the one clock, the lifecycle rules and the abuse limits.
    public init(store: any CurationStore, checker: Checker, clock: any TimeSource, policy: LifecyclePolicy = .defaults,
                limits: AbuseLimits = .defaults) {
        self.checker = checker
        context = OwnerStepContext(store: store, clock: clock, policy: policy, limits: limits)
    }

    /// Runs one submission attempt.
    public func submit(_ request: SubmitRequest) async throws -> SubmitOutcome {
        let (store, now, policy, limits) = context.start()
        let domain = request.domain
        // A pending submission whose challenge expired ends here (audit `submission-expired`); this one
        // then starts afresh.
        let lapsed = try await store.write { tx in
            try tx.expireChallenges(now: now, domain: domain, policy: policy).contains { $0.audit?.reason == .submissionExpired }
        }
        let existing = try await store.read { try $0.record(domain) }
        if let existing, !existing.state.acceptsSubmission { return .alreadyActive(existing) }

        // Rate limits, counted before the network is touched.
        try await store.write { tx in
            try tx.checkDailyLimit(domain: domain, kind: .submit, now: now, limit: limits.submissionsPerDomainPerDay) {
                "\($0) submissions of \(domain.value) in the last 24 hours"
            }
            if existing == nil || existing?.state == .removed {
                let since = try tx.lastCompletedRun()?.started ?? Timestamp(secondsSince1970: 0)
                let fresh = try tx.submissionsCreated(since: since)
                guard fresh < limits.newSubmissionsPerRun else {
                    throw CurationError.rateLimited("\(fresh) new submissions since the last validate-all run",
                                                    retryAfter: nil)
                }
            }
            try tx.recordAttempt(domain: domain, kind: .submit, time: now)
        }

        let report = await checker.check(domain)
        guard report.eligible else { return .ineligible(report) }
        let terms: SubmissionTerms
        switch Self.terms(for: request, report: report) {
        case .success(let t): terms = t
        case .failure(let uncovered): return .patternsUncovered(report, uncovered.hosts)
        }

        // A pending domain with an open, unexpired challenge: is the record published?
        var lookup = (proven: false, lookupFailed: false)
        let openChallenge = try await store.read { tx in try tx.openChallenge(domain: domain, purpose: .submit) }
            .map(Challenge.init(row:))
        if existing?.state == .pendingVerification, let challenge = openChallenge, !challenge.isExpired(at: now) {
            lookup = await challenge.check(for: domain, in: checker.dns, at: now)
        }
        let validation = try Self.validationRow(report, of: domain, runId: nil)
        let (isProven, txtFailed) = lookup
        var random = SystemRandomNumberGenerator()
        let fresh = Challenge.make(purpose: .submit, now: now, policy: policy, using: &random)
        let confirmContact = request.contactConfirmed ? request.contact.value : nil
        return try await store.write { tx in
            // Re-read inside the transaction: another process may have moved the domain meanwhile.
            let current = try tx.record(domain)
            if let current, !current.state.acceptsSubmission { return .alreadyActive(current) }
            try tx.insert(validation)
            if let confirmContact { try tx.confirmContactLocally(confirmContact, now: now) }
            if isProven, let row = try tx.openChallenge(domain: domain, purpose: .submit),
               let challenge = openChallenge, row.token == challenge.token {
                let step = try Lifecycle.apply(.challengeVerified(terms), to: current, domain: domain, now: now, policy: policy)
                try tx.record(step, actor: .submit, now: now, policy: policy)
                var used = row
                used.status = .used
                try tx.update(used)
                return .verified(step.record, report)
            }
            let step = try Lifecycle.apply(.submitted(terms), to: current, domain: domain, now: now, policy: policy)
            try tx.record(step, actor: .submit, now: now, policy: policy)
            // The open challenge as it is now: one another request (another replica) issued meanwhile is
            // kept and answered, not superseded, so that concurrent submissions get one challenge.
            if current?.state == .pendingVerification, var row = try tx.openChallenge(domain: domain, purpose: .submit),
               !Challenge(row: row).isExpired(at: now) {
                row.contact = terms.contact
                row.requestedMode = terms.requestedMode
                row.patterns = terms.patterns
                row.provenance = terms.provenance
                try tx.update(row)
                return .awaitingChallenge(Challenge(row: row), step.record, report, lookupFailed: txtFailed)
            }
            try tx.insert(ChallengeRow(domain: domain, purpose: .submit, token: fresh.token, created: fresh.created,
                                       expires: fresh.expires, contact: terms.contact, requestedMode: terms.requestedMode,
                                       patterns: terms.patterns, provenance: terms.provenance))
            return .challengeIssued(fresh, step.record, report,
                                    renewed: lapsed || (current?.state == .pendingVerification && openChallenge != nil))
        }
    }

    /// MX hosts the requested patterns leave uncovered.
    public struct Uncovered: Error, Sendable {
        /// The uncovered MX hosts.
        public var hosts: [DomainName]
    }

    /// The terms of a submission: patterns from `--mx` (which must cover every MX host), else from the
    /// domain's MTA-STS policy (provenance `mta-sts`), else the MX host names exactly (`manual`).
    public static func terms(for request: SubmitRequest, report: DomainReport) -> Result<SubmissionTerms, Uncovered> {
        let requested = request.mode ?? .enforce
        if !request.patterns.isEmpty {
            let uncovered = report.mxHosts.filter { !MXPattern.anyMatches(request.patterns, $0) }
            guard uncovered.isEmpty else { return .failure(Uncovered(hosts: uncovered)) }
            return .success(SubmissionTerms(contact: request.contact.value, requestedMode: requested,
                                            patterns: Array(Set(request.patterns)), provenance: .manual))
        }
        if let policy = report.mtaSTS?.policy, policy.mode != .none, !policy.mx.isEmpty {
            return .success(SubmissionTerms(contact: request.contact.value, requestedMode: requested,
                                            patterns: Array(Set(policy.mx)), provenance: .mtaSTS))
        }
        return .success(SubmissionTerms(contact: request.contact.value, requestedMode: requested,
                                        patterns: Array(Set(report.mxHosts.map { MXPattern(exactly: $0) })),
                                        provenance: .manual))
    }

    /// The stored form of a checker report on `domain`.
    static func validationRow(_ report: DomainReport, of domain: DomainName, runId: Int64?) throws -> ValidationRow {
        let outcome = ValidationOutcome(report: report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let facts = String(decoding: try encoder.encode(report), as: UTF8.self)
        return ValidationRow(domain: domain, time: report.checkedAt, eligible: report.eligible,
                             inconclusive: outcome.inconclusive, issueCodes: outcome.issueCodes,
                             errorCodes: outcome.errorCodes, facts: facts, runId: runId)
    }
}
