import PreloadCore
import PreloadCuration

/// `preload remove`: what happened to the removal request.
struct RemoveOutput: CommandResult {
    var outcome: RemovalOutcome
    var domain: DomainName
    /// The maintainer's reason (`--force`).
    var reason: String?

    struct JSONForm: Encodable {
        var domain: String
        var action: String
        var state: String
        var challenge: [String: String]?
    }

    var json: JSONForm { rendered.json }
    var text: TextOutput { TextOutput(out: [rendered.text.joined(separator: "\n")]) }

    private var rendered: (json: JSONForm, text: [String]) {
        let name = domain
        let d = name.value
        switch outcome {
        case .challengeIssued(let c, let r, let renewed):
            return (JSONForm(domain: d, action: "challenge-issued", state: r.state.rawValue,
                             challenge: ["name": Challenge.recordName(for: name), "type": "TXT", "value": c.recordValue,
                                         "expires": c.expires.rfc3339]),
                    [(renewed ? "The earlier removal request expired. " : "") + "To remove \(d), publish this DNS record",
                     "", "    \(c.zoneLine(for: name))", "", "then run `preload remove \(d)` again before \(c.expires.rfc3339)."])
        case .awaitingChallenge(let c, let r, let failed):
            return (JSONForm(domain: d, action: "awaiting-challenge", state: r.state.rawValue,
                             challenge: ["name": Challenge.recordName(for: name), "type": "TXT", "value": c.recordValue,
                                         "expires": c.expires.rfc3339]),
                    [failed ? "The challenge lookup failed; try again later." : "The removal record is not published yet:",
                     "", "    \(c.zoneLine(for: name))"])
        case .accepted(let r):
            return (JSONForm(domain: d, action: "accepted", state: r.state.rawValue),
                    [r.state == .removed ? "\(d) is removed." : "Removal of \(d) accepted; it is dropped from the list at the next publish."])
        case .alreadyRequested(let r):
            return (JSONForm(domain: d, action: "already-requested", state: r.state.rawValue),
                    ["Removal of \(d) is already requested; it is dropped at the next publish."])
        case .forced(let r):
            return (JSONForm(domain: d, action: "forced", state: r.state.rawValue), ["\(d) is removed (\(reason ?? ""))."])
        }
    }
}
