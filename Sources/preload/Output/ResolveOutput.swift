import PreloadClient

/// `preload resolve`: the policy decision for a destination, and the Postfix table value it gives.
struct ResolveOutput: CommandResult {
    var decision: TLSPolicyDecision
    /// The Postfix version the table value is shown for.
    var postfixVersion: PostfixVersion

    var json: TLSPolicyDecision { decision }

    var text: TextOutput {
        let what = decision.enforced ? Console.color("enforce", "32") : decision.mode.rawValue
        var out = ["\(decision.domain): \(what) (source: \(decision.source.rawValue))"]
        if !decision.mx.isEmpty { out.append("  mx: \(decision.mx.map(\.description).joined(separator: ", "))") }
        if let until = decision.validUntil { out.append("  valid until: \(until)") }
        out.append("  \(decision.note)")
        switch PostfixMap.answer(for: decision, version: postfixVersion) {
        case .found(let value): out.append("  postfix: \(value)")
        case .notFound: out.append("  postfix: no entry (default TLS level)")
        case .temporaryFailure(let why): out.append("  postfix: TEMP \(why) (delivery deferred)")
        case .permanentFailure(let why): out.append("  postfix: PERM \(why)")
        }
        return TextOutput(out: out)
    }
}
