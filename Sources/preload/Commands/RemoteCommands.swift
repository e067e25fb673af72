import ArgumentParser
import Foundation
import PreloadCore
import PreloadCuration

/// `submit`, `status`, `remove` and `preflight` with `--server`: the owner's steps through the service's API,
/// printed as the local commands print them, with the same exit codes.
enum RemoteCommands {
    struct ChallengeJSON: Codable {
        var name: String
        var type = "TXT"
        var value: String
        var expires: Timestamp?
        var renewed: Bool?
    }
    struct ResultJSON: Encodable {
        var domain: String
        var action: String
        var state: String?
        var challenge: ChallengeJSON?
        var findings: [FindingJSON]?
        var next: Forecast?
    }
    struct FindingJSON: Codable {
        var code: String
        var severity: String
        var message: String
        var host: String?
        var fix: String?
    }

    static func decode<T: Decodable>(_ type: T.Type, _ answer: RemoteService.Answer) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: answer.body) } catch {
            Console.err("preload: the service answered something that is not API v1 (\(error))")
            throw Exit.unavailable
        }
    }

    static func challenge(_ object: [String: Any]) -> ChallengeJSON? {
        guard let c = object["challenge"] as? [String: Any], let name = c["name"] as? String, let value = c["value"] as? String
        else { return nil }
        return ChallengeJSON(name: name, value: value, expires: (object["expiresAt"] as? String).flatMap { Timestamp(rfc3339: $0) },
                             renewed: object["renewed"] as? Bool)
    }

    static func findings(_ object: [String: Any]) throws -> [FindingJSON] {
        guard let list = object["findings"] else { return [] }
        let data = try JSONSerialization.data(withJSONObject: list)
        return (try? JSONDecoder().decode([FindingJSON].self, from: data)) ?? []
    }

    static func findingLines(_ findings: [FindingJSON]) -> [String] {
        findings.flatMap { f -> [String] in
            let issue = Issue(IssueCode(rawValue: f.code), Severity(rawValue: f.severity) ?? .error, subject: f.host, f.message)
            return ["  " + CheckReportRenderer.line(for: issue), "      " + f.message] + (f.fix.map { ["      fix: " + $0] } ?? [])
        }
    }

    static func emit(_ result: ResultJSON, text: [String], format: OutputFormat) throws {
        switch format {
        case .json: try Console.printJSON(result)
        case .text: Console.out(text.joined(separator: "\n"))
        }
    }

    /// Prints an answer that carries a challenge (an answer without one is not API v1): `awaiting-challenge`
    /// when the service renewed an open one whose record is not published yet, else `challenge-issued`;
    /// `text` words it from the record's zone-file line and expiry.
    static func emitChallenge(_ o: [String: Any], domain d: String, format: OutputFormat,
                              text: (_ zone: String, _ expires: String, _ awaiting: Bool) -> [String]) throws {
        guard let c = challenge(o) else { throw Exit.unavailable }
        let awaiting = c.renewed == true
        try emit(ResultJSON(domain: d, action: awaiting ? "awaiting-challenge" : "challenge-issued",
                            state: o["state"] as? String, challenge: c),
                 text: text("\(c.name) TXT \"\(c.value)\"", c.expires?.rfc3339 ?? "?", awaiting), format: format)
    }

    // MARK: submit

    static func submit(_ server: String, domain: String, contact: String, mode: ListMode?, mx: [String],
                       format: OutputFormat) async throws {
        var body: [String: Any] = ["domain": domain, "contact": contact]
        if let mode { body["mode"] = mode.rawValue }
        if !mx.isEmpty { body["mx"] = mx }
        let answer = try await RemoteService(base: server).send("POST", "/api/v1/submissions", json: body)
        var o = answer.object
        let d = o["domain"] as? String ?? domain
        // The API says `pending`; the command line's output keeps the state's name.
        if o["state"] as? String == "pending" { o["state"] = LifecycleState.pendingVerification.rawValue }
        switch answer.status {
        case 202:
            try emitChallenge(o, domain: d, format: format) { zone, expires, awaiting in
                awaiting ? ["The challenge record is not published yet. Publish", "", "    \(zone)", "",
                            "and run this command again before \(expires)."]
                    : ["\(d) is eligible and queued.", "Prove control of it: publish this DNS record", "", "    \(zone)", "",
                       "then run `preload submit \(d) --contact \(contact) --server \(server)` again before \(expires)."]
            }
        case 200:
            let next = (o["next"] as? [String: Any]).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
                .flatMap { try? JSONDecoder().decode(Forecast.self, from: $0) }
            try emit(ResultJSON(domain: d, action: "verified", state: o["state"] as? String, next: next),
                     text: ["Control of \(d) verified: probation started \(o["since"] as? String ?? "?")."]
                         + (next.map { ["Next: \($0.sentence)."] } ?? []), format: format)
        case 409 where o["code"] as? String == "submission.already-active":
            try emit(ResultJSON(domain: domain, action: "already-active"),
                     text: [(o["detail"] as? String ?? "") + " See `preload status \(domain) --server \(server)`."], format: format)
        case 422 where o["code"] as? String == "domain.ineligible":
            let f = try findings(o)
            try emit(ResultJSON(domain: domain, action: "ineligible", findings: f),
                     text: ["\(domain): NOT eligible"] + findingLines(f)
                         + ["", "\(domain) is not eligible; nothing was queued. Fix the errors above and submit again."],
                     format: format)
            throw Exit.blocked
        case 422 where o["code"] as? String == "mx.uncovered":
            try emit(ResultJSON(domain: domain, action: "patterns-uncovered"), text: [o["detail"] as? String ?? ""], format: format)
            throw Exit.blocked
        default:
            throw RemoteService.fail(answer)
        }
    }

    // MARK: status

    static func status(_ server: String, domain: String, validations: Int, format: OutputFormat) async throws {
        let answer = try await RemoteService(base: server)
            .send("GET", "/api/v1/domains/\(RemoteService.segment(domain))?validations=\(min(50, max(0, validations)))")
        guard answer.status == 200 else { throw RemoteService.fail(answer) }
        let status = try decode(DomainStatus.self, answer)
        switch format {
        case .json: try Console.printJSON(status)
        case .text: Console.out(StatusOutput.text(status))
        }
    }

    // MARK: remove

    static func remove(_ server: String, domain: String, format: OutputFormat) async throws {
        let answer = try await RemoteService(base: server).send("POST", "/api/v1/removals", json: ["domain": domain])
        let o = answer.object
        let d = o["domain"] as? String ?? domain
        switch answer.status {
        case 202:
            try emitChallenge(o, domain: d, format: format) { zone, expires, awaiting in
                awaiting ? ["The removal record is not published yet:", "", "    \(zone)"]
                    : ["To remove \(d), publish this DNS record", "", "    \(zone)", "",
                       "then run `preload remove \(d) --server \(server)` again before \(expires)."]
            }
        case 200:
            let state = o["state"] as? String ?? ""
            try emit(ResultJSON(domain: d, action: "accepted", state: state),
                     text: [state == "removed" ? "\(d) is removed." : "Removal of \(d) accepted; it is dropped from the list at the next publish."],
                     format: format)
        default:
            throw RemoteService.fail(answer)
        }
    }

    // MARK: preflight

    static func preflight(_ server: String, domain: String, format: OutputFormat) async throws {
        let answer = try await RemoteService(base: server).send("GET", "/api/v1/preflight/\(RemoteService.segment(domain))")
        guard answer.status == 200 else { throw RemoteService.fail(answer) }
        let o = answer.object
        let eligible = o["eligible"] as? Bool ?? false
        let f = try findings(o)
        switch format {
        case .json:
            FileHandle.standardOutput.write(answer.body)
        case .text:
            let errors = f.filter { $0.severity == "error" }.count
            let warnings = f.filter { $0.severity == "warning" }.count
            var counts: [String] = []
            if errors > 0 { counts.append("\(errors) error\(errors == 1 ? "" : "s")") }
            if warnings > 0 { counts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
            let verdict = eligible ? Console.color("eligible", "32") : Console.color("NOT eligible", "31")
            Console.out(["\(o["domain"] as? String ?? domain): \(verdict)" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")]
                        .joined() + "\n" + findingLines(f).joined(separator: "\n")
                        + "\n  checked at \(o["checkedAt"] as? String ?? "?") by \(server)"
                        + (o["source"] as? String == "reused" ? " (a result of the last 10 minutes)" : ""))
        }
        if !eligible { throw Exit.blocked }
    }
}

/// `preload preflight DOMAIN --server URL`: the service checks the domain as the list would.
struct PreflightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Ask a curation service to check a domain as the list would (`preload check` runs the same check locally).",
        discussion: """
            The service reuses a result of the last 10 minutes, and rate-limits preflights per client.

            Exit codes: 0 eligible; 1 not eligible; 64 usage (no --server or PRELOAD_SERVER); 69 the service is \
            unreachable; 75 rate limited or busy, retry later.
            """)

    @Argument(help: "The mail domain.") var domain: String
    @OptionGroup var serverOptions: ServerOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard serverOptions.resolved != nil else {
            throw ValidationError("preflight needs --server URL (or PRELOAD_SERVER); to check locally, run `preload check \(domain)`")
        }
    }

    func run() async throws {
        try await RemoteCommands.preflight(serverOptions.resolved!, domain: domain, format: output.format)
    }
}
