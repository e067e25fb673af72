import PreloadCore

/// One validation as `status` shows it.
public struct ValidationSummary: Sendable, Hashable, Codable {
    /// When it happened.
    public var time: Timestamp
    /// The checker's verdict.
    public var eligible: Bool
    /// Our own resolver failed: the result says nothing about the domain.
    public var inconclusive: Bool
    /// The codes of every finding, sorted.
    public var issueCodes: [IssueCode]
    /// The codes of the blocking findings, sorted.
    public var errorCodes: [IssueCode]
    /// The vantage (`validate-all --vantage`) it was seen from; absent for `submit`'s own checks.
    public var vantage: String?

    enum CodingKeys: String, CodingKey {
        case time, eligible, inconclusive, vantage
        case issueCodes = "issue_codes"
        case errorCodes = "error_codes"
    }
}

/// Everything `preload status DOMAIN` says.
public struct DomainStatus: Sendable, Hashable, Codable {
    /// The domain name.
    public var domain: String
    /// The lifecycle state, or `unknown`.
    public var state: String
    /// When the current state was entered.
    public var since: Timestamp?
    /// The transition reason code of the last step.
    public var reason: String?
    /// The explanation that goes with the reason.
    public var detail: String?
    /// The list mode (`enforce` or `testing`).
    public var mode: ListMode?
    /// The MX patterns, sorted.
    public var patterns: [MXPattern]?
    /// Where the patterns come from: `mta-sts` or `manual`.
    public var provenance: AdmissionMethod?
    /// When the domain (last) entered the list.
    public var added: Timestamp?
    /// When a validation last passed.
    public var lastVerified: Timestamp?
    /// Passing validations since the probation period started.
    public var passingValidations: Int?
    /// The challenge record to publish, while one is open.
    public var challenge: ChallengeInfo?
    /// The newest validations, newest first.
    public var validations: [ValidationSummary]
    /// What happens next if nothing changes.
    public var next: Forecast?

    /// An open challenge.
    public struct ChallengeInfo: Sendable, Hashable, Codable {
        /// `submit` or `remove`.
        public var purpose: String
        /// The zone-file line to publish.
        public var record: String
        /// When it expires.
        public var expires: Timestamp
    }

    enum CodingKeys: String, CodingKey {
        case domain, state, since, reason, detail, mode, patterns, provenance, added, challenge, validations, next
        case lastVerified = "last_verified"
        case passingValidations = "passing_validations"
    }
}

/// Reads the state for `status` and `events`.
public struct StatusService: Sendable {
    /// The state.
    public let store: any CurationStore
    /// The one clock.
    public let clock: any TimeSource
    /// The lifecycle rules.
    public let policy: LifecyclePolicy

    /// Creates a value; see the properties.
    public init(store: any CurationStore, clock: any TimeSource, policy: LifecyclePolicy = .defaults) {
        self.store = store
        self.clock = clock
        self.policy = policy
    }

    /// The status of one domain, with its newest `validations` validations. A challenge of the domain
    /// that has expired is expired first (with its audit event), so the status shows where it stands;
    /// with `expiring: false` nothing is written (the service's GET), and an expired challenge is only
    /// left out.
    public func status(of domain: DomainName, validations limit: Int = 5, expiring: Bool = true) async throws -> DomainStatus {
        let now = clock.now()
        let policy = self.policy
        if expiring { try await store.write { tx in try tx.expireChallenges(now: now, domain: domain, policy: policy) } }
        return try await store.read { tx in
            let rows = try tx.validations(domain: domain, limit: limit).map {
                ValidationSummary(time: $0.time, eligible: $0.eligible, inconclusive: $0.inconclusive,
                                  issueCodes: $0.issueCodes, errorCodes: $0.errorCodes, vantage: $0.vantage)
            }
            guard let record = try tx.record(domain) else {
                return DomainStatus(domain: domain.value, state: "unknown", validations: rows)
            }
            var open: Challenge? = nil
            if record.state == .pendingVerification {
                open = try tx.openChallenge(domain: domain, purpose: .submit).map(Challenge.init(row:))
            } else if record.state.isValidated {
                open = try tx.openChallenge(domain: domain, purpose: .remove).map(Challenge.init(row:))
            }
            if let c = open, c.isExpired(at: now), c.purpose == .remove { open = nil }
            let info = open.flatMap { c in
                c.isExpired(at: now) ? nil : DomainStatus.ChallengeInfo(purpose: c.purpose.rawValue,
                                                                       record: c.zoneLine(for: domain), expires: c.expires)
            }
            return DomainStatus(domain: domain.value, state: record.state.rawValue, since: record.since,
                                reason: record.reason.rawValue, detail: record.detail, mode: record.mode,
                                patterns: record.patterns, provenance: record.provenance, added: record.added,
                                lastVerified: record.lastVerified, passingValidations: record.passingValidations,
                                challenge: info, validations: rows,
                                next: Forecast.of(record, challenge: open?.purpose == .submit ? open : nil, now: now,
                                                  policy: policy))
        }
    }

    /// Audit events, oldest first, with the delivery status of the notification each caused.
    public func events(domain: DomainName?, limit: Int? = nil) async throws -> [AuditEntry] {
        try await store.read { tx in try Self.entries(tx, try tx.events(domain: domain, limit: limit)) }
    }

    /// One page of the audit log: at most `limit` events with an id above `after`, by id, read by that key
    /// (never the whole log).
    public func events(domain: DomainName?, after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await store.read { tx in try Self.entries(tx, try tx.events(domain: domain, after: after, limit: limit)) }
    }

    private static func entries(_ tx: any StateReader, _ events: [AuditEventRow]) throws -> [AuditEntry] {
        var byEvent: [Int64: NotificationRow] = [:]
        for name in Set(events.map(\.domain)) {
            for n in try tx.notifications(domain: name) { if let id = n.auditEventId { byEvent[id] = n } }
        }
        return events.map { e in
            let n = e.id.flatMap { byEvent[$0] }
            return AuditEntry(id: e.id ?? 0, time: e.time, domain: e.domain.value, from: e.fromState?.rawValue,
                              to: e.toState.rawValue, reason: e.reason.rawValue, detail: e.detail,
                              actor: e.actor.rawValue,
                              notification: n.map {
                                  AuditEntry.Notice(kind: $0.kind.rawValue, to: $0.recipient, status: $0.status.rawValue)
                              })
        }
    }
}

/// One line of `preload events`.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// The audit event's id.
    public var id: Int64
    /// When it happened.
    public var time: Timestamp
    /// The domain name.
    public var domain: String
    /// State code before the step (`nil` for a new domain).
    public var from: String?
    /// State code after the step.
    public var to: String
    /// The transition reason code.
    public var reason: String
    /// The explanation that goes with the reason.
    public var detail: String
    /// Who took the step.
    public var actor: String
    /// The notification the step caused, if any.
    public var notification: Notice?

    /// The notification an event caused.
    public struct Notice: Sendable, Hashable, Codable {
        /// The notification kind code.
        public var kind: String
        /// The recipient.
        public var to: String
        /// `queued`, `sent`, `recorded` or `failed`.
        public var status: String
    }
}
