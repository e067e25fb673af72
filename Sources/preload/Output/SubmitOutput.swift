import PreloadChecker
import PreloadCore
import PreloadCuration

/// `preload submit`: what happened to the submission, with the challenge to publish or the report that
/// refused it.
struct SubmitOutput: CommandResult {
    var outcome: SubmitOutcome
    var domain: DomainName
    /// The `--contact` given, repeated in the command to run again.
    var contact: String

    struct JSONForm: Encodable {
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

    var json: JSONForm { rendered.json }
    var text: TextOutput { TextOutput(out: [rendered.text.joined(separator: "\n")]) }

    private var rendered: (json: JSONForm, text: [String]) {
        let d = domain.value
        let domain = self.domain
        func challenge(_ c: Challenge, renewed: Bool? = nil, lookupFailed: Bool? = nil) -> ChallengeJSON {
            ChallengeJSON(name: Challenge.recordName(for: domain), value: c.recordValue, expires: c.expires,
                          renewed: renewed, lookupFailed: lookupFailed)
        }
        var result = JSONForm(domain: d, action: "")
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
            Self.fill(&result, r)
            text = ["\(d) is already \(r.state.rawValue) (since \(r.since.rfc3339)); nothing changed. See `preload status \(d)`."]
        case .challengeIssued(let c, let r, _, let renewed):
            result.action = "challenge-issued"
            Self.fill(&result, r)
            result.challenge = challenge(c, renewed: renewed)
            text = [(renewed ? "The earlier submission expired; this is a new one. " : "") + "\(d) is eligible and queued.",
                    "Prove control of it: publish this DNS record",
                    "", "    \(c.zoneLine(for: domain))", "",
                    "then run `preload submit \(d) --contact \(contact)` again before \(c.expires.rfc3339).",
                    Self.patternsLine(r)]
        case .awaitingChallenge(let c, let r, _, let lookupFailed):
            result.action = "awaiting-challenge"
            Self.fill(&result, r)
            result.challenge = challenge(c, lookupFailed: lookupFailed)
            text = [lookupFailed ? "The lookup of \(Challenge.recordName(for: domain)) failed; try again later."
                                 : "The challenge record is not published yet. Publish",
                    "", "    \(c.zoneLine(for: domain))", "",
                    "and run this command again before \(c.expires.rfc3339)."]
        case .verified(let r, _):
            result.action = "verified"
            Self.fill(&result, r)
            let next = Forecast.of(r, challenge: nil, now: r.since)
            result.next = next
            text = ["Control of \(d) verified: probation started \(r.since.rfc3339).", Self.patternsLine(r), "Next: \(next.sentence)."]
        }
        return (result, text)
    }

    private static func fill(_ result: inout JSONForm, _ r: DomainRecord) {
        result.state = r.state.rawValue
        result.mode = r.mode
        result.patterns = r.patterns
        result.provenance = r.provenance
    }

    private static func patternsLine(_ r: DomainRecord) -> String {
        "Entry: mode \(r.mode.rawValue), MX patterns \(r.patterns.map(\.description).joined(separator: " ")) (\(r.provenance.rawValue))."
    }
}
