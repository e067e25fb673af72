import PreloadCore

/// What the checker found on one address of one MX host.
public struct AddressReport: Hashable, Sendable, Codable {
    public var address: String
    /// Reached an SMTP banner.
    public var reachable: Bool
    /// STARTTLS was offered.
    public var starttls: Bool
    /// The negotiated TLS version, when a session was established.
    public var tlsVersion: String?
    public var cipher: String?
    /// The leaf certificate, when a session was established.
    public var certificate: CertificateFacts?
    public var chainTrusted: Bool?
    public var nameMatches: Bool?
    /// This address passes everything a sending MTA enforcing a policy would check (DANE included, when the
    /// host has validated TLSA records).
    public var passed: Bool
    /// OpenSSL's DANE verdict when the host has validated, usable TLSA records: `matched`, `no-match`,
    /// `name-mismatch`, `failed`; absent otherwise.
    public var dane: String? = nil

    enum CodingKeys: String, CodingKey {
        case address, reachable, starttls, cipher, certificate, passed, dane
        case tlsVersion = "tls_version"
        case chainTrusted = "chain_trusted"
        case nameMatches = "name_matches"
    }
}

/// One MX host and its addresses.
public struct MXReport: Hashable, Sendable, Codable {
    public var host: String
    public var preference: UInt16
    public var addresses: [AddressReport]
}

/// The `_mta-sts` record and policy as observed.
public struct MTASTSReport: Hashable, Sendable, Codable {
    /// `valid`, `invalid` or `absent`.
    public var record: String
    public var id: String?
    /// The policy, when fetched and valid.
    public var policy: STSPolicy?
    /// Content-Type the policy was served with.
    public var contentType: String?

    enum CodingKeys: String, CodingKey {
        case record, id, policy
        case contentType = "content_type"
    }
}

/// The `_smtp._tls` record as observed.
public struct TLSRPTReport: Hashable, Sendable, Codable {
    /// `valid`, `invalid` or `absent`.
    public var record: String
    public var rua: [String]
}

/// The checker's verdict on one domain.
public struct DomainReport: Hashable, Sendable, Codable {
    public var domain: String
    /// Whether the domain may enter or stay in the list.
    public var eligible: Bool
    public var mx: [MXReport]
    public var mtaSTS: MTASTSReport?
    public var tlsRPT: TLSRPTReport?
    public var issues: [Issue]
    /// When the check ran.
    public var checkedAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case domain, eligible, mx, issues
        case mtaSTS = "mta_sts"
        case tlsRPT = "tls_rpt"
        case checkedAt = "checked_at"
    }

    /// The MX host names found (without the null MX).
    public var mxHosts: [DomainName] { mx.compactMap { try? DomainName($0.host) } }

    /// `true` when a DNS failure came from the resolver itself being unreachable.
    public var resolverUnreachable: Bool = false

    /// The issue codes, sorted and unique.
    public var issueCodes: [IssueCode] { Array(Set(issues.map(\.code))).sorted() }
}
