import PreloadCore

/// Where a TLS policy decision came from.
public enum PolicySource: String, Sendable, Codable, Hashable, CaseIterable {
    /// DNSSEC-validated TLSA records of the MX hosts (RFC 7672): Postfix does DANE itself.
    case dane
    /// A live or cached MTA-STS policy of the domain itself (RFC 8461).
    case mtaSTS = "mta-sts"
    /// An entry of the signed preload list.
    case preload
    /// Nothing applies: opportunistic TLS.
    case none
}

/// What is known about a domain's MTA-STS policy at the moment of a decision. The policy cache produces it;
/// the merge rule consumes it.
public enum MTASTSState: Sendable, Hashable {
    /// A policy fetched over HTTPS (live or from the cache), valid until fetch time + `max_age`. Its mode may
    /// be `enforce`, `testing` or `none`; a fetched `none` is how a domain opts out (RFC 8461 §8.3).
    case policy(STSPolicy, validUntil: Timestamp)
    /// No policy is known and none is cached: the domain publishes no `v=STSv1` TXT record, or it does but the
    /// policy could not be fetched (RFC 8461 §5: deliver as though the domain had no MTA-STS). `detail` says which.
    case noneKnown(detail: String? = nil)
    /// The lookup itself failed (DNS SERVFAIL or timeout) and nothing is cached: it is not known whether the
    /// domain has a policy. Without a list entry this defers delivery instead of downgrading.
    case lookupFailed(reason: String)
}

/// What DANE (RFC 7672) says about a destination domain, from a validating resolver's answers for its MX
/// RRset and, per MX host, its address records and its TLSA RRset at `_25._tcp.HOST` (see
/// ``DANEObservation/state``). RFC 8461 §2 puts it above MTA-STS and the list.
public enum DANEState: Sendable, Hashable {
    /// DANE was not consulted (no validating resolver): the merge starts at MTA-STS (see ``PolicyMerge/daneGap``).
    case notEvaluated
    /// DANE does not apply: the MX RRset is insecure, or no MX host has a DNSSEC-validated TLSA RRset.
    case notApplicable(reason: String)
    /// The MX RRset is secure and these MX hosts have validated TLSA RRsets with usable records; `uncovered`
    /// are the MX hosts without (insecure, no TLSA, or no usable record). Empty `uncovered`: every host.
    case usable(covered: [String], uncovered: [String])
    /// Validated TLSA RRsets exist, but none has a record usable for SMTP (only PKIX usages, unknown
    /// parameters, malformed data): DANE senders use TLS without authentication (RFC 7672 §2.2).
    case unusable(reason: String)
    /// A lookup DANE depends on failed or was bogus (MX RRset, an MX host's addresses or TLSA RRset): nothing
    /// is known, and nothing may override it (RFC 8461 §2, RFC 7672 §2.1.1). The MTA defers.
    case failed(reason: String)
}

/// The Postfix TLS level a DANE decision asks for (`smtp_tls_policy_maps`, Postfix ≥ 2.11).
public enum DANELevel: String, Sendable, Hashable, Codable {
    /// `dane-only`: every MX host must pass DANE; a host without usable TLSA records is not used.
    case daneOnly = "dane-only"
    /// `dane`: DANE where a host has usable TLSA records, mandatory unauthenticated TLS where its records are
    /// unusable, opportunistic TLS where it has none.
    case dane
}

/// The list's say about one domain: the entry's mode and patterns (aliases resolved) and when the list expires.
public struct ListEntryPolicy: Sendable, Hashable {
    /// `enforce` or `testing`.
    public var mode: ListMode
    /// MX patterns in RFC 8461 syntax.
    public var mx: [MXPattern]
    /// When the list that carries the entry expires; an expired list never applies.
    public var listExpires: Timestamp

    /// An entry's policy.
    public init(mode: ListMode, mx: [MXPattern], listExpires: Timestamp) {
        self.mode = mode
        self.mx = mx
        self.listExpires = listExpires
    }
}

/// The TLS policy an MTA should apply to one destination domain, and why.
public struct TLSPolicyDecision: Sendable, Hashable {
    /// The destination domain.
    public var domain: DomainName
    /// Which source decided.
    public var source: PolicySource
    /// `enforce`, `testing`, or `none` (no policy; also a fetched MTA-STS `mode: none`).
    public var mode: STSMode
    /// The MX patterns that apply (RFC 8461 syntax); empty when `mode` is `none`.
    public var mx: [MXPattern]
    /// Until when the decision holds (MTA-STS: fetch time + `max_age`; list: its expiry); `nil` for no policy.
    public var validUntil: Timestamp?
    /// Set when nothing could be decided because a lookup failed and nothing was cached or listed: the MTA
    /// should defer delivery (socketmap `TEMP`) rather than send without authentication.
    public var temporaryFailure: String?
    /// For ``PolicySource/dane``: the Postfix level that lets Postfix do DANE itself; `nil` otherwise.
    public var daneLevel: DANELevel?
    /// A human sentence explaining the decision.
    public var note: String

    /// A decision.
    public init(domain: DomainName, source: PolicySource, mode: STSMode, mx: [MXPattern] = [],
                validUntil: Timestamp? = nil, temporaryFailure: String? = nil, daneLevel: DANELevel? = nil, note: String) {
        self.domain = domain
        self.source = source
        self.mode = mode
        self.mx = mx
        self.validUntil = validUntil
        self.temporaryFailure = temporaryFailure
        self.daneLevel = daneLevel
        self.note = note
    }

    /// `true` when the MTA must require authenticated TLS (mode `enforce`): to a matching MX for MTA-STS and
    /// the list, by DANE to every MX host for `dane-only`.
    public var enforced: Bool { mode == .enforce && temporaryFailure == nil }
}

extension TLSPolicyDecision: Encodable {
    enum CodingKeys: String, CodingKey {
        case domain, source, mode, mx
        case validUntil = "valid_until"
        case temporaryFailure = "temporary_failure"
        case daneLevel = "dane"
        case note
    }

    /// The JSON of `preload resolve --format json`: `domain`, `source`, `mode`, `mx`, `valid_until` (null when
    /// no policy), `note`, `temporary_failure` only when a lookup failed, and `dane` (`dane-only` or `dane`)
    /// only for a DANE decision.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(domain, forKey: .domain)
        try c.encode(source, forKey: .source)
        try c.encode(mode, forKey: .mode)
        try c.encode(mx, forKey: .mx)
        if let validUntil { try c.encode(validUntil, forKey: .validUntil) } else { try c.encodeNil(forKey: .validUntil) }
        try c.encodeIfPresent(temporaryFailure, forKey: .temporaryFailure)
        try c.encodeIfPresent(daneLevel, forKey: .daneLevel)
        try c.encode(note, forKey: .note)
    }
}
