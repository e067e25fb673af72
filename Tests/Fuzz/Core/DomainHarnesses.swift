@testable import PreloadCore

/// Domain names: `DomainName` accepts exactly what a small reference validator accepts (LDH labels of
/// 1-63, at most 253 bytes, two labels or more, the last not all digits, one trailing dot ignored), and
/// its result is that name lowercased, stable under re-parsing, with a valid parent chain.
@Sendable func fuzzDomainName(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    let parsed = try? DomainName(text)
    let expected = referenceDomain(Array(text.utf8))
    require(parsed?.value == expected, "DomainName('\(text)') = \(String(describing: parsed)), reference \(String(describing: expected))")
    guard let name = parsed else { return }
    require((try? DomainName(name.value)) == name, "\(name) does not re-parse to itself")
    require(name.labels.count >= 2 && name.labels.joined(separator: ".") == name.value, "labels of \(name)")
    var child = name
    while let parent = child.parent {
        require(child.isSubdomain(of: parent) && !parent.isSubdomain(of: child), "\(child) and its parent \(parent)")
        require(child.labels.count == parent.labels.count + 1, "\(parent) is not one label above \(child)")
        child = parent
    }
    require(child.labels.count == 2, "the parent chain of \(name) stops at \(child)")
}

/// MX patterns and matching (RFC 8461 §4.1). Input: a pattern on the first line, host names on the others.
/// A pattern parses exactly when it is a reference-valid name, optionally behind `*.`; it re-parses to
/// itself; the policy-body reader agrees with it; and `matches` agrees with a reference matcher on every
/// host (and on the host made by putting each host's first label in front of a wildcard's base).
@Sendable func fuzzMXMatch(_ input: [UInt8]) {
    let lines = pieces(input, separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    let patternText = lines[0]
    let pattern = try? MXPattern(patternText)
    var base = Array(patternText.utf8)
    let wildcard = base.starts(with: Array("*.".utf8))
    if wildcard { base.removeFirst(2) }
    let referenceBase = base.contains(UInt8(ascii: "*")) ? nil : referenceDomain(base)
    require((pattern != nil) == (referenceBase != nil), "MXPattern('\(patternText)') = \(String(describing: pattern)), reference base \(String(describing: referenceBase))")
    guard let pattern, let referenceBase else { return }
    require(pattern.isWildcard == wildcard && pattern.base.value == referenceBase, "\(pattern) from '\(patternText)'")
    require((try? MXPattern(pattern.description)) == pattern, "\(pattern) does not re-parse to itself")
    let policyPattern = STSPolicyParser.mxPattern(patternText)
    if patternText.hasSuffix(".") {
        require(policyPattern == nil, "a policy mx with a trailing dot was accepted: '\(patternText)'")
    } else {
        require(policyPattern == pattern, "the policy reader gives \(String(describing: policyPattern)) for '\(patternText)'")
    }
    var hosts = lines.dropFirst().map { $0 }
    if wildcard {
        for host in lines.dropFirst() {
            let label = host.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init) ?? host
            hosts.append(label + "." + referenceBase)
        }
    }
    for hostText in hosts {
        guard let host = try? DomainName(hostText) else { continue }
        let expected = referenceMatch(wildcard: wildcard, base: referenceBase, host: host.value)
        require(pattern.matches(host) == expected, "\(pattern) matches \(host): \(pattern.matches(host)), reference \(expected)")
        require(MXPattern.anyMatches([pattern], host) == expected, "anyMatches disagrees for \(pattern), \(host)")
        let policy = STSPolicy(mode: .enforce, maxAge: 86400, mx: [pattern])
        require(STSPolicyParser.uncoveredMX(policy, hosts: [host]).isEmpty == expected, "coverage disagrees for \(pattern), \(host)")
    }
}

/// RFC 8461 §4.1 on normalised names: exact equality, or exactly one non-empty label in front of the base.
private func referenceMatch(wildcard: Bool, base: String, host: String) -> Bool {
    guard wildcard else { return host == base }
    guard let dot = host.firstIndex(of: "."), dot != host.startIndex else { return false }
    return host[host.index(after: dot)...] == base
}

/// RFC 3339 times: the canonical form of any accepted time is accepted by the strict parser and means the
/// same instant; the strict parser accepts only canonical text (a leap second reads as :59).
@Sendable func fuzzTimestamp(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    let strict = Timestamp(rfc3339: text, strictUTC: true)
    let lenient = Timestamp(rfc3339: text)
    if let strict {
        require(lenient == strict, "strict \(strict) but lenient \(String(describing: lenient)) for '\(text)'")
        require(strict.rfc3339 == text || (text.hasSuffix(":60Z") && strict.rfc3339 == String(text.dropLast(3)) + "59Z"),
                "'\(text)' is accepted as canonical but writes as \(strict.rfc3339)")
    }
    if let lenient {
        let canonical = lenient.rfc3339
        require(Timestamp(rfc3339: canonical, strictUTC: true) == lenient,
                "'\(text)' reads as \(lenient.secondsSince1970) s, whose canonical form '\(canonical)' does not read back")
    }
}
