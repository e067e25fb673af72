import PreloadCore

/// The one shape of a stored row: a Codable value whose coding keys are its table's columns, with the
/// persisted codes typed (enums, ``DomainName``). A storage backend maps it; it knows no database.
/// Rows of tables with an autoincremented `id` get it back when inserted. The curation services make
/// rows (their memberwise initialisers are internal); backends and callers read them.
public protocol StateRow: Codable, Sendable, Hashable {
    /// The table the row lives in.
    static var tableName: String { get }
    /// The row id; `nil` before the row is inserted.
    var id: Int64? { get set }
}

/// A challenge issued to a domain (table `challenge`): to submit it (`submit`, with the submission's
/// terms) or to remove it (`remove`).
public struct ChallengeRow: StateRow {
    public static let tableName = "challenge"
    public var id: Int64?
    /// The domain name.
    public var domain: DomainName
    /// `submit` or `remove`.
    public var purpose: Challenge.Purpose
    /// The 128-bit token, as 32 lowercase hex digits.
    public var token: String
    /// When it was created.
    public var created: Timestamp
    /// When it expires.
    public var expires: Timestamp
    /// Open, used (proven), superseded (a newer challenge replaced it) or expired (unproven in time).
    public var status: ChallengeStatus = .open
    /// Submission terms (submit challenges only).
    public var contact: String?
    /// The mode asked for at submission.
    public var requestedMode: ListMode?
    /// The MX patterns, sorted.
    public var patterns: [MXPattern]?
    /// Where the patterns come from: `mta-sts` or `manual`.
    public var provenance: AdmissionMethod?

}

/// One validation result (table `validation`).
public struct ValidationRow: StateRow {
    public static let tableName = "validation"
    public var id: Int64?
    /// The domain name.
    public var domain: DomainName
    /// When it happened.
    public var time: Timestamp
    /// The checker's verdict.
    public var eligible: Bool
    /// Our own resolver failed: the result says nothing about the domain.
    public var inconclusive: Bool
    /// Every finding's code.
    public var issueCodes: [IssueCode]
    /// The blocking findings' codes.
    public var errorCodes: [IssueCode]
    /// The checker's facts (MX hosts, addresses, TLS, MTA-STS) as JSON.
    public var facts: String
    /// The `validate-all` run, or `nil` for `submit`.
    public var runId: Int64?
    /// Where it was seen from: the validating worker's vantage (`--vantage`), `nil` for `submit` and for
    /// results stored before vantages were recorded.
    public var vantage: String? = nil

}

/// One line of the audit log (table `audit_event`): every lifecycle step worth noting.
public struct AuditEventRow: StateRow {
    public static let tableName = "audit_event"
    public var id: Int64?
    /// When it happened.
    public var time: Timestamp
    /// The domain name.
    public var domain: DomainName
    /// State before; `nil` for a domain seen for the first time.
    public var fromState: LifecycleState?
    /// State after the step.
    public var toState: LifecycleState
    /// Why the step happened.
    public var reason: TransitionReason
    /// The explanation that goes with the reason.
    public var detail: String
    /// Who took the step.
    public var actor: AuditActor

}

/// A notification to a domain's contact (table `notification`), queued in the same transaction as its
/// lifecycle step and delivered afterwards (an outbox).
public struct NotificationRow: StateRow {
    public static let tableName = "notification"
    public var id: Int64?
    /// The audit event that caused it.
    public var auditEventId: Int64?
    /// The domain name.
    public var domain: DomainName
    /// What the contact is told.
    public var kind: NotificationKind
    /// The address it goes to.
    public var recipient: String
    /// The mail subject.
    public var subject: String
    /// The mail body (plain text).
    public var body: String
    /// When it was created.
    public var created: Timestamp
    /// Queued, sent, recorded (no relay configured: the audit log is the record) or failed.
    public var status: NotificationStatus = .queued
    /// Delivery attempts so far.
    public var attempts = 0
    /// The last delivery failure's message.
    public var lastError: String?
    /// When the relay accepted it.
    public var sentAt: Timestamp?

}

/// One `validate-all` run (table `run`): the journal a killed run leaves for the next one.
public struct RunRow: StateRow {
    public static let tableName = "run"
    public var id: Int64?
    /// When it started.
    public var started: Timestamp
    /// The process that runs (or last ran) it.
    public var pid: Int32
    /// Running (or killed), completed or failed.
    public var status: RunStatus = .running
    /// How far it got.
    public var phase: RunPhase = .validating
    /// How many times a later run took it over after its process died.
    public var resumes = 0
    /// When it finished.
    public var finished: Timestamp?
    /// The summary as JSON, when finished.
    public var summary: String?
    /// How many vantages must report on each domain before its lifecycle step (shared rounds).
    public var vantages = 1

}

/// A list this state published (table `publication`).
public struct PublicationRow: StateRow {
    public static let tableName = "publication"
    public var id: Int64?
    /// When it was published.
    public var time: Timestamp
    /// The list's serial number.
    public var serial: Int64
    /// When it expires.
    public var expires: Timestamp
    /// How many domains the list has.
    public var domains: Int
    /// The commit, when the publisher reports one.
    public var commit: String?
    /// The `validate-all` run.
    public var runId: Int64?

}

/// A contact address and its confirmation (table `contact`): until the owner of the address proves it
/// gets our mail (the one-time code of a confirmation mail), it gets no other mail. Only the code's SHA-256
/// is stored.
public struct ContactRow: StateRow {
    public static let tableName = "contact"
    public var id: Int64?
    /// The address (``ContactAddress/value``).
    public var address: String
    /// Pending (a code was mailed) or confirmed.
    public var status: ContactStatus
    /// SHA-256 of the open confirmation code, 64 lowercase hex digits; `nil` once used.
    public var tokenHash: String?
    /// When the open code stops being accepted.
    public var tokenExpires: Timestamp?
    /// When a confirmation was last requested.
    public var requested: Timestamp?
    /// When the address was confirmed.
    public var confirmedAt: Timestamp?
    /// How it was confirmed.
    public var confirmedBy: ContactConfirmation?
}
