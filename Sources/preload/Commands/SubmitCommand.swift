import ArgumentParser
import PreloadChecker
import PreloadCore
import PreloadCuration

/// `preload submit DOMAIN --contact EMAIL`: check a domain, queue it, and prove control of it.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a mail domain for the preload list, and prove control of it.",
        discussion: """
            The first run checks the domain (every address of every MX host, MTA-STS, TLS-RPT). An \
            eligible domain is queued and gets a challenge: publish the printed TXT record, then run the \
            same command again to start probation. The challenge stays open 14 days \
            (--challenge-expiry-days); unproven by then, the submission expires (state removed, audit event \
            submission-expired) and may be made again.

            MX patterns: --mx (must cover every MX host), else the domain's MTA-STS policy (provenance \
            mta-sts: the entry then follows the policy), else the MX host names exactly (manual).

            Limits: 5 submissions per domain per 24 hours; 200 new submissions between validate-all runs.

            Exit codes: 0 queued, awaiting the challenge, verified, or already in curation (nothing \
            changed); 1 ineligible or --mx not covering every MX (the report says why; nothing queued); \
            64 usage; 69 state or network unavailable, or a state written by a newer preload; 75 rate limited.
            """)

    @Argument(help: "The mail domain.") var domain: String
    @Option(name: .long, help: ArgumentHelp("Email address told about every step.", valueName: "email"))
    var contact: String
    @Option(name: .long, help: "enforce (default) or testing.") var mode: ListMode?
    @Option(name: .long, help: ArgumentHelp("An MX pattern (repeatable): host name or *.domain.", valueName: "pattern"))
    var mx: [String] = []

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var challenge: ChallengeOptions
    @OptionGroup var network: NetworkOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        do { _ = try ContactAddress(contact) } catch { throw ValidationError("--contact: \(error)") }
        for p in mx {
            do { _ = try MXPattern(p) } catch { throw ValidationError("--mx '\(p)': \(error)") }
        }
    }

    func run() async throws {
        let name = try Curation.domain(domain)
        let clock = try CommandClock()
        let store = try stateOptions.open()
        let service = SubmitService(store: store, checker: try await Curation.liveChecker(network, clock: clock), clock: clock,
                                    policy: challenge.policy)
        let request = SubmitRequest(domain: name, contact: try ContactAddress(contact), mode: mode,
                                    patterns: try mx.map { try MXPattern($0) })
        let outcome: SubmitOutcome
        do { outcome = try await service.submit(request) } catch { throw Curation.fail(error) }
        try SubmitRenderer.print(outcome, domain: name, contact: contact, format: output.format)
        switch outcome {
        case .ineligible, .patternsUncovered: throw Exit.blocked
        default: break
        }
    }
}

extension ListMode: ExpressibleByArgument {}

/// Renders `submit` outcomes.
enum SubmitRenderer {
    struct JSONResult: Encodable {
        var domain: String
        /// `ineligible`, `patterns-uncovered`, `already-active`, `challenge-issued`, `awaiting-challenge`, `verified`.
        var action: String
        var state: String?
        var mode: ListMode?
        var patterns: [MXPattern]?
        var provenance: AdmissionMethod?
        var challenge: ChallengeJSON?
        var uncovered: [String]?
        var next: Forecast?
        var report: DomainReport?
    }
    struct ChallengeJSON: Encodable {
        var name: String
        var type = "TXT"
        var value: String
        var expires: Timestamp
        var renewed: Bool?
        var lookupFailed: Bool?
        enum CodingKeys: String, CodingKey {
            case name, type, value, expires, renewed
            case lookupFailed = "lookup_failed"
        }
    }

    static func print(_ outcome: SubmitOutcome, domain: DomainName, contact: String, format: OutputFormat) throws {
        let d = domain.value
        func challenge(_ c: Challenge, renewed: Bool? = nil, lookupFailed: Bool? = nil) -> ChallengeJSON {
            ChallengeJSON(name: Challenge.recordName(for: domain), value: c.recordValue, expires: c.expires,
                          renewed: renewed, lookupFailed: lookupFailed)
        }
        var result = JSONResult(domain: d, action: "")
        var text: [String] = []
        switch outcome {
        case .ineligible(let report):
            result.action = "ineligible"
            result.report = report
            text = [CheckReportRenderer.text([report]), "", "\(d) is not eligible; nothing was queued. Fix the errors above and submit again."]
        case .patternsUncovered(let report, let hosts):
            result.action = "patterns-uncovered"
            result.report = report
            result.uncovered = hosts.map(\.value)
            let issue = Issue(CurationIssues.mxUncovered, subject: hosts.map(\.value).joined(separator: ", "),
                              "The --mx patterns do not cover these MX hosts; senders enforcing the entry would refuse them.")
            text = [CheckReportRenderer.line(for: issue), "    " + issue.message, "Nothing was queued."]
        case .alreadyActive(let r):
            result.action = "already-active"
            fill(&result, r)
            text = ["\(d) is already \(r.state.rawValue) (since \(r.since.rfc3339)); nothing changed. See `preload status \(d)`."]
        case .challengeIssued(let c, let r, _, let renewed):
            result.action = "challenge-issued"
            fill(&result, r)
            result.challenge = challenge(c, renewed: renewed)
            text = [(renewed ? "The earlier submission expired; this is a new one. " : "") + "\(d) is eligible and queued.",
                    "Prove control of it: publish this DNS record",
                    "", "    \(c.zoneLine(for: domain))", "",
                    "then run `preload submit \(d) --contact \(contact)` again before \(c.expires.rfc3339).",
                    patternsLine(r)]
        case .awaitingChallenge(let c, let r, _, let lookupFailed):
            result.action = "awaiting-challenge"
            fill(&result, r)
            result.challenge = challenge(c, lookupFailed: lookupFailed)
            text = [lookupFailed ? "The lookup of \(Challenge.recordName(for: domain)) failed; try again later."
                                 : "The challenge record is not published yet. Publish",
                    "", "    \(c.zoneLine(for: domain))", "",
                    "and run this command again before \(c.expires.rfc3339)."]
        case .verified(let r, _):
            result.action = "verified"
            fill(&result, r)
            let next = Forecast.of(r, challenge: nil, now: r.since)
            result.next = next
            text = ["Control of \(d) verified: probation started \(r.since.rfc3339).", patternsLine(r), "Next: \(next.sentence)."]
        }
        switch format {
        case .json: try Console.printJSON(result)
        case .text: Console.out(text.joined(separator: "\n"))
        }
    }

    private static func fill(_ result: inout JSONResult, _ r: DomainRecord) {
        result.state = r.state.rawValue
        result.mode = r.mode
        result.patterns = r.patterns
        result.provenance = r.provenance
    }

    private static func patternsLine(_ r: DomainRecord) -> String {
        "Entry: mode \(r.mode.rawValue), MX patterns \(r.patterns.map(\.description).joined(separator: " ")) (\(r.provenance.rawValue))."
    }
}
