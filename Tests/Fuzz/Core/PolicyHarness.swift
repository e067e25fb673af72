@testable import PreloadCore

/// MTA-STS policy body (RFC 8461 §3.2). A policy comes back exactly when no finding is an error; a policy
/// obeys every rule of the grammar (version, mode, max_age cap, mx unless `none`); and writing it out in
/// canonical form (LF and CRLF) parses to the same policy.
@Sendable func fuzzSTSPolicy(_ input: [UInt8]) {
    let result = STSPolicyParser.parse(bytes: input)
    guard let policy = result.policy else {
        require(result.issues.hasErrors, "no policy, but no error either: \(result.issues)")
        return
    }
    require(!result.issues.hasErrors, "a policy with errors: \(result.issues)")
    require(input.count <= STSPolicyParser.maxBodyBytes, "a policy from \(input.count) bytes")
    require(policy.version == "STSv1", "version \(policy.version)")
    require((0...STSPolicyParser.maxAgeLimit).contains(policy.maxAge), "max_age \(policy.maxAge)")
    require(policy.mode == .none || !policy.mx.isEmpty, "mode \(policy.mode) without mx")
    require(policy.mx.count <= STSPolicyParser.maxMXLines, "\(policy.mx.count) mx patterns")
    for pattern in policy.mx {
        require((try? MXPattern(pattern.description)) == pattern, "mx \(pattern) does not re-parse to itself")
    }
    // Only the first of each key counts: the first `mode:` line of the input names the mode.
    if let firstMode = firstValue(input, key: "mode") {
        require(firstMode == policy.mode.rawValue, "first mode line '\(firstMode)' but mode \(policy.mode)")
    }
    for terminator in ["\n", "\r\n"] {
        let text = (["version: STSv1", "mode: \(policy.mode.rawValue)", "max_age: \(policy.maxAge)"]
            + policy.mx.map { "mx: \($0)" }).joined(separator: terminator) + terminator
        let again = STSPolicyParser.parse(text)
        require(again.policy == policy, "canonical rendering parses to \(String(describing: again.policy)), not \(policy)")
    }
}

/// Reference reader: the value of the first line that starts with `key:` (whitespace trimmed).
private func firstValue(_ body: [UInt8], key: String) -> String? {
    let prefix = Array((key + ":").utf8)
    for line in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
        var line = Array(line)
        if line.last == 0x0D { line.removeLast() }
        guard line.starts(with: prefix) else { continue }
        let value = line.dropFirst(prefix.count).drop { $0 == 0x20 || $0 == 0x09 }
        return String(decoding: value.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed(), as: UTF8.self)
    }
    return nil
}
