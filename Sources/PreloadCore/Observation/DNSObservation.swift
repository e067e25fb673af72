/// What DNSSEC validation said about an answer.
public enum DNSSECStatus: Sendable, Hashable, Codable {
    /// Validated: the chain of trust from the root trust anchor holds.
    case secure
    /// Provably unsigned: a parent zone proved there is no DNSSEC below it.
    case insecure
    /// Signed but failed validation; the resolver's reason (`why_bogus`).
    case bogus(reason: String)
    /// No trust anchor is configured, so nothing was validated.
    case unvalidated

    /// Whether a consumer (DANE) may rely on the answer's data as authenticated.
    public var isSecure: Bool { self == .secure }
    /// Whether the answer failed validation.
    public var isBogus: Bool { if case .bogus = self { true } else { false } }
}

/// An MX record: preference and exchange host.
public struct MXRecord: Sendable, Hashable, Codable {
    /// Lower is preferred.
    public var preference: UInt16
    /// The exchange host name, without trailing dot; `"."` for the root (a null MX, RFC 7505).
    public var exchange: String

    /// An MX value.
    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }

    /// Whether this is a null MX (RFC 7505): exchange `.` — the domain accepts no mail.
    public var isNull: Bool { exchange == "." }
}
