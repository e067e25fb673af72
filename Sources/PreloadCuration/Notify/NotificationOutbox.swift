import PreloadCore

/// What delivering the queued notifications did.
public struct DeliveryTally: Sendable, Hashable, Codable {
    /// Accepted by the relay.
    public var sent = 0
    /// Recorded only (no relay configured).
    public var recorded = 0
    /// Given up after too many attempts.
    public var failed = 0
    /// Still queued after a failed attempt (retried on the next run).
    public var retrying = 0
    /// Creates a value; see the properties.
    public init() {}
}

/// Delivers queued notifications: the outbox half of "queue in the step's transaction, send afterwards".
public enum NotificationOutbox {
    /// Attempts before a notification is given up as `failed`.
    public static let maxAttempts = 5

    /// Sends every queued notification through `notifier`; with no notifier, marks them `recorded`.
    public static func deliver(store: any CurationStore, notifier: (any Notifier)?, now: Timestamp) async throws -> DeliveryTally {
        let queued = try await store.read { try $0.notifications(status: .queued) }
        var tally = DeliveryTally()
        for var row in queued {
            if let notifier {
                row.attempts += 1
                do {
                    try await notifier.send(OutgoingMail(to: row.recipient, subject: row.subject, body: row.body))
                    row.status = .sent
                    row.sentAt = now
                    tally.sent += 1
                } catch {
                    row.lastError = "\(error)"
                    if row.attempts >= maxAttempts {
                        row.status = .failed
                        tally.failed += 1
                    } else {
                        tally.retrying += 1
                    }
                }
            } else {
                row.status = .recorded
                tally.recorded += 1
            }
            let done = row
            try await store.write { try $0.update(done) }
        }
        return tally
    }
}
