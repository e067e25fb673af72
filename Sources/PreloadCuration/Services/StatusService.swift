import PreloadCore
import PreloadState

/// One validation as `status` shows it.
public struct ValidationSummary: Sendable, Hashable, Codable {
    public var time: Timestamp
    public var eligible: Bool
    public var inconclusive: Bool
    public var issueCodes: [IssueCode]
    public var errorCodes: [IssueCode]

    enum CodingKeys: String, CodingKey {
        case time, eligible, inconclusive
        case issueCodes = "issue_codes"
        case errorCodes = "error_codes"
    }
}

/// Everything `preload status DOMAIN` says.
public struct DomainStatus: Sendable, Hashable, Codable {
    public var domain: String
    /// The lifecycle state, or `unknown`.
    public var state: String
    public var since: Timestamp?
    public var reason: String?
    public var detail: String?
    public var mode: ListMode?
    public var patterns: [MXPattern]?
    public var provenance: AdmissionMethod?
    public var added: Timestamp?
    public var lastVerified: Timestamp?
    public var passingValidations: Int?
    /// The challenge record to publish, while one is open.
    public var challenge: ChallengeInfo?
    public var validations: [ValidationSummary]
    public var next: Forecast?

    /// An open challenge.
    public struct ChallengeInfo: Sendable, Hashable, Codable {
        public var purpose: String
        public var record: String
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
    public let store: StateStore
    public let clock: any TimeSource
    public let policy: LifecyclePolicy

    public init(store: StateStore, clock: any TimeSource, policy: LifecyclePolicy = .defaults) {
        self.store = store
        self.clock = clock
        self.policy = policy
    }

    /// The status of one domain, with its newest `validations` validations.
    public func status(of domain: DomainName, validations limit: Int = 5) async throws -> DomainStatus {
        let now = clock.now()
        let policy = self.policy
        return try await store.read { tx in
            let rows = try tx.validations(domain: domain.value, limit: limit).map {
                ValidationSummary(time: $0.time, eligible: $0.eligible, inconclusive: $0.inconclusive,
                                  issueCodes: $0.issueCodes, errorCodes: $0.errorCodes)
            }
            guard let record = try tx.record(domain) else {
                return DomainStatus(domain: domain.value, state: "unknown", validations: rows)
            }
            var open: Challenge? = nil
            if record.state == .pendingVerification {
                open = try tx.openChallenge(domain: domain.value, purpose: "submit").map { row throws(CorruptStateError) in
                    try Challenge(row: row)
                }
            } else if record.state.isValidated {
                open = try tx.openChallenge(domain: domain.value, purpose: "remove").map { row throws(CorruptStateError) in
                    try Challenge(row: row)
                }
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
        try await store.read { tx in
            let events = try tx.events(domain: domain?.value, limit: limit)
            var byEvent: [Int64: NotificationRow] = [:]
            for name in Set(events.map(\.domain)) {
                for n in try tx.notifications(domain: name) { if let id = n.auditEventId { byEvent[id] = n } }
            }
            return events.map { e in
                let n = e.id.flatMap { byEvent[$0] }
                return AuditEntry(id: e.id ?? 0, time: e.time, domain: e.domain, from: e.fromState, to: e.toState,
                                  reason: e.reason, detail: e.detail, actor: e.actor,
                                  notification: n.map { AuditEntry.Notice(kind: $0.kind, to: $0.recipient, status: $0.status) })
            }
        }
    }
}

/// One line of `preload events`.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var time: Timestamp
    public var domain: String
    public var from: String?
    public var to: String
    public var reason: String
    public var detail: String
    public var actor: String
    public var notification: Notice?

    /// The notification an event caused.
    public struct Notice: Sendable, Hashable, Codable {
        public var kind: String
        public var to: String
        /// `queued`, `sent`, `recorded` or `failed`.
        public var status: String
    }
}
