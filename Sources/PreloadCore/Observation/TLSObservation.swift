/// A TLS protocol version as negotiated.
public enum TLSProtocolVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    case ssl3, tls1_0, tls1_1, tls1_2, tls1_3
    /// Anything else, by its wire number.
    case other(Int)

    /// From the wire number (`0x0303` is TLS 1.2).
    public init(wire: Int) {
        switch wire {
        case 0x0300: self = .ssl3
        case 0x0301: self = .tls1_0
        case 0x0302: self = .tls1_1
        case 0x0303: self = .tls1_2
        case 0x0304: self = .tls1_3
        default: self = .other(wire)
        }
    }

    /// The wire number.
    public var wire: Int {
        switch self {
        case .ssl3: 0x0300
        case .tls1_0: 0x0301
        case .tls1_1: 0x0302
        case .tls1_2: 0x0303
        case .tls1_3: 0x0304
        case .other(let v): v
        }
    }

    /// Whether this is TLS 1.2 or newer (RFC 8461 §7.2).
    public var isAtLeastTLS12: Bool { wire >= 0x0303 && wire < 0x0400 }

    public var description: String {
        switch self {
        case .ssl3: "SSLv3"
        case .tls1_0: "TLSv1"
        case .tls1_1: "TLSv1.1"
        case .tls1_2: "TLSv1.2"
        case .tls1_3: "TLSv1.3"
        case .other(let v): "0x" + String(v, radix: 16)
        }
    }
}

/// An X.509 verification result as the TLS library's verifier reports it: OpenSSL's `X509_V_*` number
/// (`X509_V_OK` is 0). The numbers are OpenSSL's stable public constants (`openssl/x509_vfy.h`); the
/// verifier's own text travels next to it, in ``CertificateVerification``.
public struct X509VerifyError: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(integerLiteral value: Int) { self.rawValue = value }

    /// `X509_V_OK`: the check passed.
    public static let ok: X509VerifyError = 0
    /// `X509_V_ERR_UNSPECIFIED`.
    public static let unspecified: X509VerifyError = 1
    /// `X509_V_ERR_CERT_NOT_YET_VALID`.
    public static let certNotYetValid: X509VerifyError = 9
    /// `X509_V_ERR_CERT_HAS_EXPIRED`.
    public static let certHasExpired: X509VerifyError = 10
    /// `X509_V_ERR_CRL_NOT_YET_VALID`.
    public static let crlNotYetValid: X509VerifyError = 11
    /// `X509_V_ERR_CRL_HAS_EXPIRED`.
    public static let crlHasExpired: X509VerifyError = 12
    /// `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`.
    public static let depthZeroSelfSignedCert: X509VerifyError = 18
    /// `X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN`.
    public static let selfSignedCertInChain: X509VerifyError = 19
    /// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY`.
    public static let unableToGetIssuerCertLocally: X509VerifyError = 20
    /// `X509_V_ERR_HOSTNAME_MISMATCH`.
    public static let hostnameMismatch: X509VerifyError = 62

    /// Whether the verifier stopped on a validity time (something expired or not yet valid), not on trust.
    public var isTimeError: Bool {
        self == .certNotYetValid || self == .certHasExpired || self == .crlNotYetValid || self == .crlHasExpired
    }

    public var description: String { "X509_V_ERR \(rawValue)" }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// What one certificate of the peer's chain says, copied out of the TLS library.
public struct CertificateFacts: Sendable, Hashable, Codable {
    /// Subject distinguished name, RFC 2253 form.
    public var subject: String
    /// Issuer distinguished name, RFC 2253 form.
    public var issuer: String
    /// The subjectAltName dNSName entries, as written in the certificate.
    public var dnsNames: [String]
    /// Start of validity (`nil` when the certificate's time does not parse).
    public var notBefore: Timestamp?
    /// End of validity (`nil` when the certificate's time does not parse).
    public var notAfter: Timestamp?
    /// SHA-256 of the DER certificate, lower-case hex.
    public var sha256: String
    /// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex (the data of a `3 1 1` TLSA record).
    public var spkiSHA256: String

    /// A certificate value.
    public init(subject: String, issuer: String, dnsNames: [String], notBefore: Timestamp?, notAfter: Timestamp?,
                sha256: String = "", spkiSHA256: String = "") {
        self.subject = subject
        self.issuer = issuer
        self.dnsNames = dnsNames
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.sha256 = sha256
        self.spkiSHA256 = spkiSHA256
    }

    /// The keys of the checker's JSON report (`preload check --format json`): the fingerprints are not part
    /// of it.
    enum CodingKeys: String, CodingKey {
        case subject, issuer
        case dnsNames = "dns_names"
        case notBefore = "not_before"
        case notAfter = "not_after"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(subject: try c.decode(String.self, forKey: .subject), issuer: try c.decode(String.self, forKey: .issuer),
                  dnsNames: try c.decode([String].self, forKey: .dnsNames),
                  notBefore: try c.decodeIfPresent(Timestamp.self, forKey: .notBefore),
                  notAfter: try c.decodeIfPresent(Timestamp.self, forKey: .notAfter))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subject, forKey: .subject)
        try c.encode(issuer, forKey: .issuer)
        try c.encode(dnsNames, forKey: .dnsNames)
        try c.encode(notBefore ?? Timestamp(secondsSince1970: 0), forKey: .notBefore)
        try c.encode(notAfter ?? Timestamp(secondsSince1970: 0), forKey: .notAfter)
    }
}

/// The verdicts on the peer's certificate, each judged separately so that every fault is reported.
public struct CertificateVerification: Sendable, Hashable, Codable {
    /// The verifier's result for the whole check (trust, name, time): ``X509VerifyError/ok`` is success.
    public var code: X509VerifyError
    /// The verifier's text for `code` (`X509_verify_cert_error_string`).
    public var message: String
    /// The chain leads to a trusted root, with validity times ignored.
    public var chainTrusted: Bool
    /// When not trusted: the verifier's result for the chain alone.
    public var chainErrorCode: X509VerifyError
    /// The verifier's text for `chainErrorCode` (empty when the chain is trusted).
    public var chainErrorMessage: String
    /// A subjectAltName DNS-ID matches the MX host name (wildcard only as the whole left-most label; the
    /// subject CN is never used).
    public var nameMatches: Bool
    /// The leaf has expired at the probe's "now", or the verifier stopped on an expired certificate.
    public var expired: Bool
    /// The leaf is not yet valid at the probe's "now".
    public var notYetValid: Bool

    /// Whether every check passed.
    public var isValid: Bool { code == .ok && chainTrusted && nameMatches && !expired && !notYetValid }

    /// A verification value.
    public init(code: X509VerifyError, message: String, chainTrusted: Bool, chainErrorCode: X509VerifyError,
                chainErrorMessage: String, nameMatches: Bool, expired: Bool, notYetValid: Bool) {
        self.code = code
        self.message = message
        self.chainTrusted = chainTrusted
        self.chainErrorCode = chainErrorCode
        self.chainErrorMessage = chainErrorMessage
        self.nameMatches = nameMatches
        self.expired = expired
        self.notYetValid = notYetValid
    }
}

/// The facts of a completed TLS handshake.
public struct TLSFacts: Sendable, Hashable, Codable {
    /// The negotiated protocol version.
    public var version: TLSProtocolVersion
    /// The negotiated cipher suite (OpenSSL name).
    public var cipher: String
    /// The peer's chain as sent, leaf first.
    public var chain: [CertificateFacts]
    /// The verification verdicts.
    public var verification: CertificateVerification
    /// OpenSSL's DANE verdict when the probe was given TLSA records; `nil` otherwise.
    public var dane: DANEHandshakeVerdict? = nil

    /// A TLS facts value.
    public init(version: TLSProtocolVersion, cipher: String, chain: [CertificateFacts],
                verification: CertificateVerification) {
        self.version = version
        self.cipher = cipher
        self.chain = chain
        self.verification = verification
    }

    /// A TLS facts value from the verdicts a checker judges (trust of the chain with its error, the name);
    /// time is judged from the leaf's dates. For fakes and replays.
    public init(version: TLSProtocolVersion, cipher: String, chain: [CertificateFacts], chainTrusted: Bool,
                chainError: X509VerifyError = .ok, chainErrorMessage: String = "", nameMatches: Bool) {
        let code: X509VerifyError = !chainTrusted ? chainError : nameMatches ? .ok : .hostnameMismatch
        self.init(version: version, cipher: cipher, chain: chain, verification: CertificateVerification(
            code: code, message: "", chainTrusted: chainTrusted, chainErrorCode: chainTrusted ? .ok : chainError,
            chainErrorMessage: chainTrusted ? "" : chainErrorMessage, nameMatches: nameMatches,
            expired: false, notYetValid: false))
    }
}

/// OpenSSL's DANE verdict for one address's handshake (the probe's `DANEVerdict`, as the checker reads it).
public enum DANEHandshakeVerdict: Sendable, Hashable, Codable {
    /// A usable record matched; which one.
    case matched(TLSAAssociation?)
    /// No usable record matches the chain.
    case noMatch
    /// A DANE-TA record matched, but the leaf names none of the reference identifiers.
    case nameMismatch
    /// The verification failed otherwise (OpenSSL's text).
    case failed(String)
    /// No TLS session: the probe failed before (reported by the SMTP checks).
    case notProbed
}
