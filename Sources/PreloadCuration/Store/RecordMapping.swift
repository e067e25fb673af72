import PreloadCore

extension Challenge {
    /// The challenge a stored row holds.
    public init(row: ChallengeRow) {
        self.init(purpose: row.purpose, token: row.token, created: row.created, expires: row.expires)
    }
}

extension ChallengeRow {
    /// The submission terms stored with a submit challenge.
    public var terms: SubmissionTerms? {
        guard let contact, let requestedMode, let patterns, let provenance else { return nil }
        return SubmissionTerms(contact: contact, requestedMode: requestedMode, patterns: patterns, provenance: provenance)
    }
}

extension StateWriter {
    /// Records a lifecycle step in this transaction: the domain's record, its audit line, and the
    /// notification to its contact (queued).
    @discardableResult
    public func record(_ step: LifecycleStep, actor: AuditActor, now: Timestamp,
                       policy: LifecyclePolicy = .defaults) throws -> AuditEventRow? {
        try save(step.record)
        guard let note = step.audit else { return nil }
        let event = try insert(AuditEventRow(time: now, domain: step.record.domain, fromState: step.from,
                                             toState: step.record.state, reason: note.reason, detail: note.detail,
                                             actor: actor))
        if let kind = step.notification {
            let mail = NotificationComposer.compose(kind, record: step.record, detail: note.detail, now: now, policy: policy)
            try insert(NotificationRow(auditEventId: event.id, domain: step.record.domain, kind: kind,
                                       recipient: step.record.contact, subject: mail.subject, body: mail.body,
                                       created: now))
        }
        return event
    }
}
