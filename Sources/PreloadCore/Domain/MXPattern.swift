/// Why a string is not a valid MX pattern.
public enum MXPatternError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidDomain(DomainNameError)
    case misplacedWildcard

    public var description: String {
        switch self {
        case .invalidDomain(let e): "not a valid domain name: \(e)"
        case .misplacedWildcard: "a wildcard is allowed only as the whole left-most label, as in `*.example.com`"
        }
    }
}

/// An MX host pattern in RFC 8461 §3.2/§4.1 syntax: a domain name, or `*.` followed by one, where the
/// wildcard stands for exactly one left-most label.
///
/// This is the one meaning of a pattern in the project: `*.example.com` matches `mail.example.com`,
/// not `example.com` and not `a.b.example.com`.
public struct MXPattern: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// `true` for `*.` patterns.
    public let isWildcard: Bool
    /// The name after `*.`, or the whole name for an exact pattern.
    public let base: DomainName

    /// Parses `mail.example.com` or `*.example.com` (case-insensitive, trailing dot ignored; A-labels only).
    public init(_ text: String) throws(MXPatternError) {
        var rest = Substring(text)
        var wildcard = false
        if rest.hasPrefix("*.") {
            wildcard = true
            rest = rest.dropFirst(2)
        }
        if rest.utf8.contains(UInt8(ascii: "*")) { throw .misplacedWildcard }
        do {
            base = try DomainName(String(rest))
        } catch {
            throw .invalidDomain(error)
        }
        isWildcard = wildcard
    }

    /// An exact pattern for `host`.
    public init(exactly host: DomainName) {
        isWildcard = false
        base = host
    }

    /// Whether `host` matches per RFC 8461 §4.1.
    public func matches(_ host: DomainName) -> Bool {
        if !isWildcard { return host == base }
        let h = host.value
        let suffix = "." + base.value
        guard h.hasSuffix(suffix) else { return false }
        let label = h.dropLast(suffix.count)
        return !label.isEmpty && !label.contains(".")
    }

    /// Whether any of `patterns` matches `host`.
    public static func anyMatches(_ patterns: [MXPattern], _ host: DomainName) -> Bool {
        patterns.contains { $0.matches(host) }
    }

    public var description: String { isWildcard ? "*." + base.value : base.value }
    public static func < (lhs: MXPattern, rhs: MXPattern) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(raw) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(raw)' is not a valid MX pattern: \(error)"))
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
