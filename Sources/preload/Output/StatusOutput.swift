import PreloadCuration

/// `preload status`: where a domain stands, why, and what happens next.
struct StatusOutput: CommandResult {
    var status: DomainStatus

    var json: DomainStatus { status }
    var text: TextOutput { TextOutput(out: [Self.text(status)]) }

    static func text(_ s: DomainStatus) -> String {
        guard s.state != "unknown", let since = s.since else {
            return "\(s.domain): unknown (never submitted). Submit it with `preload submit \(s.domain) --contact EMAIL`."
        }
        var out = ["\(s.domain): \(Console.color(s.state, color(s.state))) since \(since.rfc3339)"]
        if let reason = s.reason { out.append("  why: \(reason)" + ((s.detail ?? "").isEmpty ? "" : " — \(s.detail!)")) }
        if let mode = s.mode, let patterns = s.patterns, let provenance = s.provenance {
            out.append("  entry: mode \(mode.rawValue), MX patterns \(patterns.map(\.description).joined(separator: " ")) (\(provenance.rawValue))")
        }
        if let added = s.added { out.append("  in the list since: \(added.rfc3339)") }
        if let verified = s.lastVerified { out.append("  last passed: \(verified.rfc3339)") }
        if s.state == "probation", let n = s.passingValidations { out.append("  passing validations in probation: \(n)") }
        if let c = s.challenge { out.append("  challenge (\(c.purpose)): \(c.record) — valid until \(c.expires.rfc3339)") }
        if let next = s.next { out.append("  next: \(next.sentence)") }
        if !s.validations.isEmpty {
            out.append("  last validations:")
            for v in s.validations {
                let verdict = v.inconclusive ? "inconclusive" : v.eligible ? "pass" : "FAIL"
                let codes = v.issueCodes.isEmpty ? "" : "  " + v.issueCodes.map(\.rawValue).joined(separator: ", ")
                let from = v.vantage.map { " (from \($0))" } ?? ""
                out.append("    \(v.time.rfc3339) \(verdict)\(from)\(codes)")
            }
        }
        return out.joined(separator: "\n")
    }

    private static func color(_ state: String) -> String {
        switch state {
        case "listed": "32"
        case "failing", "removed": "31"
        default: "33"
        }
    }
}
