/// An MTA-STS policy mode (RFC 8461 §5).
public enum STSMode: String, Sendable, Codable, CaseIterable, Hashable {
    case enforce
    case testing
    case none
}

/// A parsed MTA-STS policy (RFC 8461 §3.2).
public struct STSPolicy: Hashable, Sendable, Codable {
    /// Always `STSv1`.
    public var version: String
    public var mode: STSMode
    /// Seconds; 0…31557600.
    public var maxAge: Int
    /// MX patterns; empty only when `mode` is `none`.
    public var mx: [MXPattern]

    public init(version: String = "STSv1", mode: STSMode, maxAge: Int, mx: [MXPattern]) {
        self.version = version
        self.mode = mode
        self.maxAge = maxAge
        self.mx = mx
    }

    /// Whether `host` is covered by one of the policy's patterns (RFC 8461 §4.1).
    public func covers(_ host: DomainName) -> Bool { MXPattern.anyMatches(mx, host) }

    enum CodingKeys: String, CodingKey {
        case version, mode
        case maxAge = "max_age"
        case mx
    }
}
