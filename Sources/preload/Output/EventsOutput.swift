import PreloadCuration

/// `preload events`: the audit log, oldest first.
struct EventsOutput: CommandResult {
    var events: [AuditEntry]

    var json: [String: [AuditEntry]] { ["events": events] }

    var text: TextOutput {
        TextOutput(out: events.map { e in
            var line = "\(e.time.rfc3339) \(e.domain) \(e.from ?? "-") → \(e.to) \(e.reason) (\(e.actor))"
            if !e.detail.isEmpty { line += ": \(e.detail)" }
            if let n = e.notification { line += " [notified \(n.to): \(n.kind), \(n.status)]" }
            return line
        })
    }
}
