import PreloadCore

/// One email to a domain's contact.
public struct OutgoingMail: Sendable, Hashable {
    /// The recipient.
    public var to: String
    /// The mail subject.
    public var subject: String
    /// The mail body (plain text).
    public var body: String
    /// Creates a value; see the properties.
    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// Sends notifications. The real one goes through an SMTP relay (`--smtp-relay`); without a relay there
/// is no notifier and notifications are only recorded in the state (status `recorded`, next to the
/// audit event that caused them).
public protocol Notifier: Sendable {
    /// Delivers one message, or throws (the message stays queued and a later run retries it).
    func send(_ mail: OutgoingMail) async throws
}

/// Writes the notification for a lifecycle step: pure text, no I/O.
public enum NotificationComposer {
    /// Subject and body of the notification of `kind` about `record`.
    public static func compose(_ kind: NotificationKind, record: DomainRecord, detail: String, now: Timestamp,
                               policy: LifecyclePolicy) -> (subject: String, body: String) {
        let d = record.domain.value
        let subject: String
        var lines: [String]
        switch kind {
        case .verified:
            subject = "[preload] \(d): control verified, probation started"
            lines = ["The challenge record for \(d) was found. The domain is now in probation: it is validated",
                     "on every run and listed after \(policy.probationDays) days with at least \(policy.minPassingValidations) passing validations."]
        case .listed:
            subject = "[preload] \(d) is in the preload list"
            lines = ["\(d) passes validation and is in the list (mode \(record.mode.rawValue), MX patterns",
                     "\(record.patterns.map(\.description).joined(separator: " "))) from the next publish on."]
        case .failing:
            subject = "[preload] \(d) is failing validation"
            lines = ["The last validation of \(d) failed: \(detail).",
                     "Fix it within \(policy.failingGraceDays) days, or the domain is removed from the list."]
        case .removalRequested:
            subject = "[preload] \(d): removal requested"
            lines = ["The removal of \(d) was requested with a valid challenge. It is dropped from the list at the next publish."]
        case .removed:
            subject = "[preload] \(d) was removed"
            lines = ["\(d) is no longer in curation: \(detail)."]
        case .contactConfirmation:
            // Made by ContactService (it carries a one-time code); no lifecycle step queues it.
            subject = "[preload] confirm your contact address"
            lines = ["Confirm this contact address with the code of the confirmation mail."]
        }
        let forecast = Forecast.of(record, challenge: nil, now: now, policy: policy)
        lines += ["", "State: \(record.state.rawValue) since \(record.since.rfc3339).", "Next: \(forecast.sentence).",
                  "", "Details: preload status \(d)"]
        return (subject, lines.joined(separator: "\n") + "\n")
    }
}
