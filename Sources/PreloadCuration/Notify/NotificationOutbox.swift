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
    /// Not sent: the recipient has not confirmed the contact address.
    public var withheld = 0
    /// Creates a value; see the properties.
    public init() {}

    enum CodingKeys: String, CodingKey { case sent, recorded, failed, retrying, withheld }

    /// Reads a tally; `withheld` is absent from the summaries of runs before contact confirmation.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sent = try c.decode(Int.self, forKey: .sent)
        recorded = try c.decode(Int.self, forKey: .recorded)
        failed = try c.decode(Int.self, forKey: .failed)
        retrying = try c.decode(Int.self, forKey: .retrying)
        withheld = try c.decodeIfPresent(Int.self, forKey: .withheld) ?? 0
    }
}

/// Delivers queued notifications: the outbox half of "queue in the step's transaction, send afterwards".
public enum NotificationOutbox {
    /// Attempts before a notification is given up as `failed`.
    public static let maxAttempts = 5

    /// Sends every queued notification through `notifier`; with no notifier, marks them `recorded`. A
    /// notification whose recipient has not confirmed the contact address is `withheld`, never sent.
    public static func deliver(store: any CurationStore, notifier: (any Notifier)?, now: Timestamp) async throws -> DeliveryTally {
        let (queued, confirmed) = try await store.read { tx -> ([NotificationRow], Set<String>) in
            let rows = try tx.notifications(status: .queued)
            var confirmed: Set<String> = []
            for recipient in Set(rows.map(\.recipient)) where try tx.contact(recipient)?.status == .confirmed {
                confirmed.insert(recipient)
            }
            return (rows, confirmed)
        }
        var tally = DeliveryTally()
        // Rows settled without a send (withheld, recorded, refused) are written together at the end: if the
        // process dies first they are still queued, and the next run settles them again, sending nothing.
        // A row that was sent (or tried) is written right after its send.
        var settled: [NotificationRow] = []
        for var row in queued {
            if row.kind == .contactConfirmation {
                // Confirmation mail is sent by ContactService as it is asked for, never from the queue: its
                // code is not stored (only its hash is), so a queued copy could not carry it.
                row.status = .failed
                row.lastError = "a confirmation code is sent when it is requested, never from the queue"
                tally.failed += 1
                settled.append(row)
            } else if !confirmed.contains(row.recipient) {
                row.status = .withheld
                tally.withheld += 1
                settled.append(row)
            } else if let notifier {
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
                let done = row
                try await store.write { try $0.update(done) }
            } else {
                row.status = .recorded
                tally.recorded += 1
                settled.append(row)
            }
        }
        if !settled.isEmpty {
            let rows = settled
            try await store.write { tx in for row in rows { try tx.update(row) } }
        }
        return tally
    }
}
