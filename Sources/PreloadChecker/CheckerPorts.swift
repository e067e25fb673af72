import PreloadCore

/// Why a DNS lookup produced no answer.
public enum DNSFailure: Hashable, Sendable, CustomStringConvertible {
    /// The authoritative side failed (SERVFAIL, REFUSED…).
    case servfail(String)
    /// No answer within the deadline.
    case timeout
    /// DNSSEC validation failed.
    case bogus(String)
    /// The configured resolver itself could not be reached.
    case resolverUnreachable(String)

    public var description: String {
        switch self {
        case .servfail(let why): "server failure (\(why))"
        case .timeout: "timed out"
        case .bogus(let why): "DNSSEC validation failed (\(why))"
        case .resolverUnreachable(let why): "the resolver is unreachable (\(why))"
        }
    }
}

/// DNSSEC status of an answer.
public enum DNSSECStatus: String, Hashable, Sendable, Codable {
    case secure, insecure, bogus
}

/// One DNS answer, keeping "not found" apart from "lookup failed".
public enum DNSLookup<Value: Sendable>: Sendable {
    case found(Value, dnssec: DNSSECStatus)
    case nxdomain
    case noData
    case failed(DNSFailure)

    /// The records, or an empty list for NXDOMAIN/no data; `nil` when the lookup failed.
    public var valuesOrEmpty: Value? {
        switch self {
        case .found(let v, _): v
        case .nxdomain, .noData: nil
        case .failed: nil
        }
    }
}

/// One MX record.
public struct MXRecord: Hashable, Sendable {
    public var preference: UInt16
    /// The exchange as published (may be `.` for a null MX).
    public var exchange: String
    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
}

/// The DNS the checker needs.
public protocol CheckerDNS: Sendable {
    func mx(_ domain: DomainName) async -> DNSLookup<[MXRecord]>
    func ipv4(_ host: DomainName) async -> DNSLookup<[String]>
    func ipv6(_ host: DomainName) async -> DNSLookup<[String]>
    /// TXT records at `name` (CNAMEs followed), each record's strings already joined.
    func txt(_ name: String) async -> DNSLookup<[String]>
    /// Whether answers are DNSSEC-validated (a trust anchor is configured): only then is DANE checked.
    var validatesDNSSEC: Bool { get }
    /// The TLSA RRset DANE uses for MX host `host` (RFC 7672 §2.2.2: at the CNAME-expanded name, else at the
    /// name itself): where it was looked up, and what came back.
    func daneTLSA(_ host: DomainName) async -> (owner: String, lookup: DANEHostFacts.TLSALookup)
}

/// What a certificate says, copied out of the TLS library.
public struct CertificateFacts: Hashable, Sendable, Codable {
    public var subject: String
    public var issuer: String
    public var dnsNames: [String]
    public var notBefore: Timestamp
    public var notAfter: Timestamp
    public init(subject: String, issuer: String, dnsNames: [String], notBefore: Timestamp, notAfter: Timestamp) {
        self.subject = subject
        self.issuer = issuer
        self.dnsNames = dnsNames
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
    enum CodingKeys: String, CodingKey {
        case subject, issuer
        case dnsNames = "dns_names"
        case notBefore = "not_before"
        case notAfter = "not_after"
    }
}

/// The TLS session a probe established.
public struct TLSFacts: Hashable, Sendable {
    /// `TLSv1.3`, `TLSv1.2`, `TLSv1.1`, `TLSv1`…
    public var version: String
    public var cipher: String
    /// Leaf first.
    public var chain: [CertificateFacts]
    /// The chain verifies to a trusted root (time checks excluded: the checker judges validity dates).
    public var chainTrusted: Bool
    /// The verifier's reason when the chain is not trusted.
    public var chainError: String?
    /// The leaf is valid for the MX host name (SAN DNS-ID, RFC 6125 wildcards).
    public var nameMatches: Bool
    /// OpenSSL's DANE verdict when the probe was given TLSA records; `nil` otherwise.
    public var dane: DANEHostFacts.Handshake? = nil
    public init(version: String, cipher: String, chain: [CertificateFacts], chainTrusted: Bool, chainError: String?,
                nameMatches: Bool) {
        self.version = version
        self.cipher = cipher
        self.chain = chain
        self.chainTrusted = chainTrusted
        self.chainError = chainError
        self.nameMatches = nameMatches
    }

    /// Whether the negotiated version is at least TLS 1.2.
    public var isTLS12OrNewer: Bool { version == "TLSv1.2" || version == "TLSv1.3" }
}

/// How an SMTP probe of one address ended.
public enum SMTPOutcome: Hashable, Sendable {
    /// No TCP connection (refused, unreachable, timed out).
    case connectFailed(String)
    /// Connected, but no banner within the deadline.
    case bannerTimeout
    /// The server's replies were not SMTP (garbage, flood, error banner, reply timeout after the banner).
    case protocolError(String)
    /// EHLO succeeded without STARTTLS among the extensions.
    case starttlsNotOffered
    /// STARTTLS was offered but refused.
    case starttlsRefused(String)
    /// The TLS handshake failed.
    case handshakeFailed(String)
    /// STARTTLS completed; see the TLS facts.
    case tlsEstablished(TLSFacts)
}

/// Probes one MX address: banner, EHLO, STARTTLS, handshake with SNI = MX host name, QUIT.
public protocol SMTPProbing: Sendable {
    func probe(host: DomainName, address: String) async -> SMTPOutcome
    /// The same, with the host's DNSSEC-validated TLSA records evaluated in the handshake (``TLSFacts/dane``).
    func probe(host: DomainName, address: String, dane: DANEProbeRequest) async -> SMTPOutcome
}

/// How fetching an MTA-STS policy ended (RFC 8461 §3.3).
public enum PolicyFetchOutcome: Hashable, Sendable {
    /// HTTP 200 with its body.
    case fetched(contentType: String?, body: [UInt8])
    /// A 3xx answer (not followed).
    case redirect(status: Int, location: String?)
    /// Another HTTP status.
    case httpStatus(Int)
    /// The HTTPS certificate did not verify for `mta-sts.<domain>`.
    case tlsInvalid(String)
    /// The body exceeded 64 KiB.
    case tooLarge
    /// No connection, timeout, or another transport failure.
    case failed(String)
}

/// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` from the given addresses.
public protocol PolicyFetching: Sendable {
    func fetchPolicy(domain: DomainName, addresses: [String]) async -> PolicyFetchOutcome
}
