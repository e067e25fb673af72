/// What an MTA-STS policy body says (RFC 8461 §3.2).
public struct STSPolicyResult: Hashable, Sendable {
    /// The policy; `nil` when the body has any error.
    public var policy: STSPolicy?
    /// Findings: errors make the policy invalid, warnings and infos do not.
    public var issues: [Issue]
}

/// Parses an MTA-STS policy body (the `mta-sts.txt` file), strictly to RFC 8461 §3.2 and bounded:
///
///     sts-policy-record    = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
///     sts-policy-field-delim = ":" *WSP
///     sts-policy-term      = LF / CRLF
///     sts-policy-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
///     sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]
///
/// Keys and values are case-sensitive; `version: STSv1`, `mode: enforce|testing|none` and
/// `max_age: 0…31557600` (erratum 7282) are required; `mx` lines (A-label domains or `*.` + domain)
/// are required unless the mode is `none`. A repeated key other than `mx` keeps its first value (a
/// warning); unknown keys are ignored (an info). Empty lines are outside the ABNF and draw a warning.
public enum STSPolicyParser {
    /// The largest body accepted, as RFC 8461 §3.3 suggests (64 KiB).
    public static let maxBodyBytes = 65_536
    /// The longest line looked at. A valid `mx` line is under 270 bytes.
    public static let maxLineBytes = 1_024
    /// The most `mx` lines looked at.
    public static let maxMXLines = 1_000
    /// The largest `max_age`, in seconds (RFC 8461 §3.2 and erratum 7282).
    public static let maxAgeLimit = 31_557_600
    /// A `max_age` below this (one day) draws a warning.
    public static let shortMaxAge = 86_400

    /// Parses a policy body given as text.
    public static func parse(_ text: String) -> STSPolicyResult { parse(bytes: Array(text.utf8)) }

    /// Parses a policy body as fetched (bytes).
    public static func parse(bytes body: [UInt8]) -> STSPolicyResult {
        var issues: [Issue] = []
        guard body.count <= maxBodyBytes else {
            issues.append(Issue(.mtaStsPolicyTooLarge, subject: "policy",
                "the policy is larger than \(maxBodyBytes) bytes (64 KiB); senders read no more than that"))
            return STSPolicyResult(policy: nil, issues: issues)
        }
        var state = State()
        if body.isEmpty {
            issues.append(Issue(.mtaStsPolicyInvalid, subject: "policy", "the policy body is empty"))
        }
        var lineNumber = 0
        var start = 0
        // Lines end in LF or CRLF (erratum 6253); the final terminator is optional.
        while start < body.count {
            lineNumber += 1
            let lf = body[start...].firstIndex(of: 0x0A)
            var end = lf ?? body.count
            if lf != nil && end > start && body[end - 1] == 0x0D { end -= 1 }
            parseLine(body[start..<end], number: lineNumber, into: &state, issues: &issues)
            start = (lf ?? body.count) + 1
        }
        return finish(state, issues: issues)
    }

    /// The hosts in `hosts` that no `mx` pattern of `policy` covers (RFC 8461 §4.1), in the order given.
    public static func uncoveredMX(_ policy: STSPolicy, hosts: [DomainName]) -> [DomainName] {
        hosts.filter { !policy.covers($0) }
    }

    /// One `mta-sts.policy-mx-uncovered` error for each host `policy` does not cover.
    public static func coverageIssues(_ policy: STSPolicy, hosts: [DomainName]) -> [Issue] {
        uncoveredMX(policy, hosts: hosts).map { host in
            let patterns = policy.mx.isEmpty ? "the policy has no mx patterns" : "patterns: " + policy.mx.map(\.description).joined(separator: ", ")
            return Issue(.mtaStsPolicyMxUncovered, subject: host.value,
                "the MX host \(host) is not matched by any mx pattern of the policy (\(patterns)); senders that enforce the policy will not deliver to it")
        }
    }

    private struct State {
        var version: String??
        var mode: STSMode??
        var maxAge: Int??
        var mx: [MXPattern] = []
        var mxLines = 0
        var mxValid = true
    }

    private static func parseLine(_ line: ArraySlice<UInt8>, number: Int, into state: inout State, issues: inout [Issue]) {
        let subject = "line \(number)"
        if line.count > maxLineBytes {
            issues.append(Issue(.mtaStsPolicyLimitExceeded, subject: subject,
                "line \(number) is \(line.count) bytes long; at most \(maxLineBytes) are looked at"))
            return
        }
        if line.isEmpty {
            issues.append(Issue(.mtaStsPolicyBlankLine, subject: subject,
                "line \(number) is empty; the RFC 8461 grammar has no empty lines and strict senders reject them"))
            return
        }
        if let bad = line.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            issues.append(Issue(.mtaStsPolicyNonAscii, subject: subject,
                "line \(number) has the control byte \(TXTRecordSyntax.printable([bad])) (a stray CR?); use printable text"))
            return
        }
        guard String(validating: line, as: UTF8.self) != nil else {
            issues.append(Issue(.mtaStsPolicyNonAscii, subject: subject, "line \(number) is not valid UTF-8"))
            return
        }
        if TXTRecordSyntax.isWSP(line.first!) {
            issues.append(Issue(.mtaStsPolicyLineInvalid, subject: subject,
                "line \(number) starts with whitespace; write 'key: value' from the first column"))
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            issues.append(Issue(.mtaStsPolicyLineInvalid, subject: subject,
                "line \(number) ('\(String(decoding: line.prefix(60), as: UTF8.self))') has no ':'; write 'key: value'"))
            return
        }
        let key = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
        var valueBytes = line[(colon + 1)...].drop(while: TXTRecordSyntax.isWSP)
        while let last = valueBytes.last, TXTRecordSyntax.isWSP(last) { valueBytes = valueBytes.dropLast() }
        let value = String(decoding: valueBytes, as: UTF8.self)
        guard TXTRecordSyntax.isExtensionName(key) else {
            issues.append(Issue(.mtaStsPolicyLineInvalid, subject: subject,
                "line \(number): '\(key)' is not a valid key (a letter or digit, then at most 31 letters, digits, '_', '-' or '.'; no space before ':')"))
            return
        }
        switch key {
        case "version":
            setOnce(&state.version, value == "STSv1" ? value : nil, key, number, &issues) {
                Issue(.mtaStsPolicyVersion, subject: subject, "line \(number): the version is '\(value)'; it must be exactly 'STSv1'")
            }
        case "mode":
            setOnce(&state.mode, STSMode(rawValue: value), key, number, &issues) {
                Issue(.mtaStsPolicyMode, subject: subject,
                    "line \(number): the mode is '\(value)'; it must be exactly 'enforce', 'testing' or 'none' (lowercase)")
            }
        case "max_age":
            setOnce(&state.maxAge, parseMaxAge(valueBytes), key, number, &issues) {
                Issue(.mtaStsPolicyMaxAge, subject: subject,
                    "line \(number): max_age '\(value.prefix(40))' is not an integer of 0 to \(maxAgeLimit) seconds (erratum 7282 caps it)")
            }
        case "mx":
            state.mxLines += 1
            if state.mxLines > maxMXLines {
                if state.mxLines == maxMXLines + 1 {
                    issues.append(Issue(.mtaStsPolicyLimitExceeded, subject: subject,
                        "the policy has more than \(maxMXLines) mx lines; the rest are not looked at"))
                }
                state.mxValid = false
                return
            }
            if let pattern = mxPattern(value) {
                state.mx.append(pattern)
            } else {
                state.mxValid = false
                issues.append(Issue(.mtaStsPolicyMxInvalid, subject: subject,
                    "line \(number): mx '\(value.prefix(80))' is not an A-label domain name or '*.' followed by one (no trailing dot, no U-labels)"))
            }
        default:
            if isPolicyExtensionValue(valueBytes) {
                issues.append(Issue(.mtaStsPolicyUnknownKey, subject: subject,
                    "line \(number): the key '\(key)' is not defined by RFC 8461 and senders ignore it (keys are case-sensitive)"))
            } else {
                issues.append(Issue(.mtaStsPolicyLineInvalid, subject: subject,
                    "line \(number): the key '\(key)' has an empty or malformed value"))
            }
        }
    }

    /// Records the value of a key that may appear once (`nil` when it does not parse, then `invalid` is
    /// reported); a key seen before is reported as a duplicate and this line ignored.
    private static func setOnce<T>(_ slot: inout T??, _ parsed: T?, _ key: String, _ number: Int, _ issues: inout [Issue],
                                   invalid: () -> Issue) {
        guard slot == nil else { return duplicate(key, number, &issues) }
        slot = .some(parsed)
        if parsed == nil { issues.append(invalid()) }
    }

    private static func duplicate(_ key: String, _ number: Int, _ issues: inout [Issue]) {
        issues.append(Issue(.mtaStsPolicyDuplicateKey, subject: "line \(number)",
            "line \(number) repeats '\(key)'; senders use the first one, so this line is ignored"))
    }

    /// `1*10(DIGIT)`, at most ``maxAgeLimit``. Only ten digits are ever converted, so no overflow.
    static func parseMaxAge(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard (1...10).contains(bytes.count), bytes.allSatisfy(TXTRecordSyntax.isDigit) else { return nil }
        let value = bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return value <= maxAgeLimit ? value : nil
    }

    /// `["*."] Domain` with A-labels only and no trailing dot.
    static func mxPattern(_ value: String) -> MXPattern? {
        guard !value.isEmpty, !value.hasSuffix("."), value.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        return try? MXPattern(value)
    }

    /// `sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]` (the caller trimmed whitespace;
    /// UTF-8 was validated and control bytes rejected per line).
    private static func isPolicyExtensionValue(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && !bytes.contains(0x09)
    }

    private static func finish(_ state: State, issues: [Issue]) -> STSPolicyResult {
        var issues = issues
        if state.version == nil {
            issues.append(Issue(.mtaStsPolicyVersion, subject: "policy",
                "the policy has no 'version' line; add 'version: STSv1' (keys are case-sensitive)"))
        }
        if state.mode == nil {
            issues.append(Issue(.mtaStsPolicyMode, subject: "policy",
                "the policy has no 'mode' line; add 'mode: enforce', 'mode: testing' or 'mode: none'"))
        }
        if state.maxAge == nil {
            issues.append(Issue(.mtaStsPolicyMaxAge, subject: "policy",
                "the policy has no 'max_age' line; add one, e.g. 'max_age: 604800' (a week)"))
        }
        if state.mxLines == 0, case .some(.some(let mode)) = state.mode, mode != .none {
            issues.append(Issue(.mtaStsPolicyMxMissing, subject: "policy",
                "the mode is '\(mode.rawValue)' but the policy has no 'mx' line; list every MX host or '*.' pattern"))
        }
        guard !issues.hasErrors, state.mxValid, case .some(.some(let version)) = state.version,
            case .some(.some(let mode)) = state.mode, case .some(.some(let maxAge)) = state.maxAge
        else {
            return STSPolicyResult(policy: nil, issues: issues)
        }
        if maxAge < shortMaxAge {
            issues.append(Issue(.mtaStsPolicyMaxAgeShort, subject: "max_age",
                "max_age is \(maxAge) seconds, under a day; senders will drop the policy quickly (weeks are usual)"))
        }
        if mode == .testing {
            issues.append(Issue(.mtaStsPolicyModeTesting, subject: "mode",
                "the mode is 'testing': senders report failures but still deliver without authenticated TLS"))
        }
        return STSPolicyResult(policy: STSPolicy(version: version, mode: mode, maxAge: maxAge, mx: state.mx), issues: issues)
    }
}
