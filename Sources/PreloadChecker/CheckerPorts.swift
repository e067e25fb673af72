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

    /// Whether the server answered in SMTP (it sent a banner).
    public var reachedSMTP: Bool {
        switch self {
        case .connectFailed, .bannerTimeout: false
        case .protocolError, .starttlsNotOffered, .starttlsRefused, .handshakeFailed, .tlsEstablished: true
        }
    }

    /// Whether the server offered STARTTLS.
    public var offeredSTARTTLS: Bool {
        switch self {
        case .connectFailed, .bannerTimeout, .protocolError, .starttlsNotOffered: false
        case .starttlsRefused, .handshakeFailed, .tlsEstablished: true
        }
    }
}

/// Probes one MX address: banner, EHLO, STARTTLS, handshake with SNI = MX host name, QUIT.
public protocol SMTPProbing: Sendable {
    func probe(host: DomainName, address: String) async -> SMTPOutcome
    /// The same, with the host's DNSSEC-validated TLSA records evaluated in the handshake (``TLSFacts/dane``).
    func probe(host: DomainName, address: String, dane: DANEProbeRequest) async -> SMTPOutcome
}

/// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` from the given addresses.
public protocol PolicyFetching: Sendable {
    func fetchPolicy(domain: DomainName, addresses: [String]) async -> PolicyFetchOutcome
}
