/// The status of a challenge (stored in `challenge.status`).
public enum ChallengeStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Waiting for its record to be published.
    case open
    /// Proven.
    case used
    /// A newer challenge of the same purpose replaced it.
    case superseded
    /// Not proven in time.
    case expired
}

/// What an attempt counted for the rate limits was (stored in `attempt.kind`).
public enum AttemptKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// `preload submit` reached the checker.
    case submit
    /// The owner's `preload remove` reached the challenge check.
    case remove
}

/// Where a notification stands (stored in `notification.status`).
public enum NotificationStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Waiting for delivery (or for a retry).
    case queued
    /// Accepted by the relay.
    case sent
    /// No relay configured: the audit log is the record.
    case recorded
    /// Given up after too many attempts.
    case failed
    /// Not sent: its recipient has not confirmed the contact address (a confirmation link is the only mail
    /// an unconfirmed address gets).
    case withheld
}

/// Where a contact address stands (stored in `contact.status`).
public enum ContactStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// A confirmation was requested and not yet confirmed: the address gets no other mail.
    case pending
    /// Confirmed: the address gets the notifications of its domains.
    case confirmed
}

/// How a contact address was confirmed (stored in `contact.confirmedBy`).
public enum ContactConfirmation: String, Sendable, Codable, CaseIterable, Hashable {
    /// The owner of the address used the one-time code mailed to it.
    case link
    /// Given to the local `preload submit` on the maintainer's own machine.
    case local
}

/// How a `validate-all` run ended, or that it has not (stored in `run.status`).
public enum RunStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Running, or killed: the next run takes it over.
    case running
    /// Finished.
    case completed
    /// Publishing failed, or a later run found it abandoned behind a newer one.
    case failed
}

/// How far a `validate-all` run got (stored in `run.phase`); a run taken over resumes at its phase.
public enum RunPhase: String, Sendable, Codable, CaseIterable, Hashable {
    /// Validating the run's domains.
    case validating
    /// Publishing the list.
    case publishing
    /// Delivering notifications.
    case notifying
    /// Finished.
    case done
}

/// Who took a lifecycle step, as written in the audit log (stored in `audit_event.actor`).
public enum AuditActor: String, Sendable, Codable, CaseIterable, Hashable {
    /// `preload submit`.
    case submit
    /// `preload validate-all`.
    case validateAll = "validate-all"
    /// The domain owner (proven by a challenge).
    case owner
    /// A maintainer (`remove --force`).
    case maintainer
    /// Time: a challenge expired (noticed by whichever command ran next).
    case expiry
}
