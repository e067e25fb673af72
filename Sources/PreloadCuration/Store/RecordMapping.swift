import PreloadCore
import PreloadState

/// A stored row that no longer makes sense to this code (an unknown state or reason code).
public struct CorruptStateError: Error, Sendable, CustomStringConvertible {
    /// What was found.
    public var what: String
    public var description: String { "the state database holds \(what)" }
}

extension Challenge {
    /// The challenge a stored row holds.
    public init(row: ChallengeRow) throws(CorruptStateError) {
        guard let purpose = Purpose(rawValue: row.purpose) else {
            throw CorruptStateError(what: "an unknown challenge purpose '\(row.purpose)'")
        }
        self.init(purpose: purpose, token: row.token, created: row.created, expires: row.expires)
    }
}

extension ChallengeRow {
    /// The submission terms stored with a submit challenge.
    public var terms: SubmissionTerms? {
        guard let contact, let requestedMode, let patterns, let provenance else { return nil }
        return SubmissionTerms(contact: contact, requestedMode: requestedMode, patterns: patterns, provenance: provenance)
    }
}

extension StateTransaction {
    /// The domain's lifecycle record.
    public func record(_ domain: DomainName) throws -> DomainRecord? {
        try self.domain(domain.value).map { row throws(CorruptStateError) in try DomainRecord(row: row) }
    }

    /// Records a lifecycle step in this transaction: the domain's row, its audit line, and the
    /// notification to its contact (queued).
    @discardableResult
    public func record(_ step: LifecycleStep, actor: String, now: Timestamp,
                       policy: LifecyclePolicy = .defaults) throws -> AuditEventRow? {
        try save(step.record.row)
        guard let note = step.audit else { return nil }
        let event = try insert(AuditEventRow(time: now, domain: step.record.domain.value, fromState: step.from?.rawValue,
                                             toState: step.record.state.rawValue, reason: note.reason.rawValue,
                                             detail: note.detail, actor: actor))
        if let kind = step.notification {
            let mail = NotificationComposer.compose(kind, record: step.record, detail: note.detail, now: now, policy: policy)
            try insert(NotificationRow(auditEventId: event.id, domain: step.record.domain.value, kind: kind.rawValue,
                                       recipient: step.record.contact, subject: mail.subject, body: mail.body,
                                       created: now))
        }
        return event
    }
}
