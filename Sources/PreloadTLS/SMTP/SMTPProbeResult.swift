import PreloadCore

/// One SMTP reply: its code and the text of each line (after the code and separator).
public struct SMTPReply: Sendable, Hashable, Codable {
    /// The three-digit reply code.
    public var code: Int
    /// The text of each line, in order (bounded: see ``SMTPProbe/Limits``).
    public var lines: [String]

    /// A reply value.
    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }
}

/// A step of the SMTP conversation.
public enum SMTPStep: String, Sendable, Hashable, Codable {
    case connect
    case banner
    case ehlo
    case starttls
    case handshake
    /// EHLO again, inside TLS.
    case tlsEhlo = "tls-ehlo"
}

/// Why a probe stopped before completing STARTTLS and the EHLO inside TLS. Every case is a fact about
/// the server or the path to it, reported as data.
public enum SMTPProbeFailure: Sendable, Hashable {
    /// The connection was refused (RST).
    case connectRefused
    /// No connection within the connect deadline.
    case connectTimeout
    /// Any other connect failure (no route, network unreachable…), with the system's message.
    case connectFailed(String)
    /// No complete reply within the step's deadline (a server that never sends its banner, or stalls).
    case timeout(SMTPStep)
    /// The server closed the connection (or reset it) during the step.
    case connectionClosed(SMTPStep)
    /// A reply line that is not SMTP (`NNN text`, `NNN-text`), or mixed codes in one reply.
    case garbage(SMTPStep, line: String)
    /// A reply over the bounds (line length, line count or total size): a flooding server.
    case tooLong(SMTPStep)
    /// A reply with an unexpected code: banner not 220, EHLO not 250, STARTTLS not 220 (e.g. 454).
    case rejected(SMTPStep, code: Int)
    /// EHLO succeeded but did not advertise STARTTLS.
    case starttlsNotOffered
    /// The TLS handshake failed, with OpenSSL's reason.
    case handshakeFailed(String)
    /// Sending failed (the connection broke), with the system's message.
    case sendFailed(SMTPStep, String)

    /// The step at which the probe stopped.
    public var step: SMTPStep {
        switch self {
        case .connectRefused, .connectTimeout, .connectFailed: .connect
        case .timeout(let s), .connectionClosed(let s), .garbage(let s, _), .tooLong(let s), .rejected(let s, _),
            .sendFailed(let s, _):
            s
        case .starttlsNotOffered: .ehlo
        case .handshakeFailed: .handshake
        }
    }
}

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

/// What one certificate of the peer's chain says, copied out of OpenSSL.
public struct CertificateFacts: Sendable, Hashable, Codable {
    /// Subject distinguished name, RFC 2253 form.
    public var subject: String
    /// Issuer distinguished name, RFC 2253 form.
    public var issuer: String
    /// The subjectAltName dNSName entries, as written in the certificate.
    public var dnsNames: [String]
    /// Start of validity.
    public var notBefore: Timestamp?
    /// End of validity.
    public var notAfter: Timestamp?
    /// SHA-256 of the DER certificate, lower-case hex.
    public var sha256: String
    /// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex (the data of a `3 1 1` TLSA record).
    public var spkiSHA256: String

    /// A certificate value.
    public init(subject: String, issuer: String, dnsNames: [String], notBefore: Timestamp?, notAfter: Timestamp?,
                sha256: String, spkiSHA256: String) {
        self.subject = subject
        self.issuer = issuer
        self.dnsNames = dnsNames
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.sha256 = sha256
        self.spkiSHA256 = spkiSHA256
    }
}

/// The verdicts on the peer's certificate, each judged separately so that every fault is reported.
public struct CertificateVerification: Sendable, Hashable, Codable {
    /// OpenSSL's verification result for the whole check (trust, name, time): `0` is success.
    public var code: Int
    /// OpenSSL's text for `code` (`X509_verify_cert_error_string`).
    public var message: String
    /// The chain leads to a trusted root, with validity times ignored.
    public var chainTrusted: Bool
    /// When not trusted: OpenSSL's error code and text for the chain alone.
    public var chainErrorCode: Int
    /// OpenSSL's text for `chainErrorCode`.
    public var chainErrorMessage: String
    /// A subjectAltName DNS-ID matches the MX host name (wildcard only as the whole left-most label; the
    /// subject CN is never used).
    public var nameMatches: Bool
    /// The leaf has expired at the probe's "now", or OpenSSL's verification stopped on an expired certificate.
    public var expired: Bool
    /// The leaf is not yet valid at the probe's "now".
    public var notYetValid: Bool

    /// Whether every check passed.
    public var isValid: Bool { code == 0 && chainTrusted && nameMatches && !expired && !notYetValid }

    /// A verification value.
    public init(code: Int, message: String, chainTrusted: Bool, chainErrorCode: Int, chainErrorMessage: String,
                nameMatches: Bool, expired: Bool, notYetValid: Bool) {
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

    /// A TLS facts value.
    public init(version: TLSProtocolVersion, cipher: String, chain: [CertificateFacts],
                verification: CertificateVerification) {
        self.version = version
        self.cipher = cipher
        self.chain = chain
        self.verification = verification
    }
}

/// Everything one probe of one address of one MX host learnt. Plain data; the checker judges it.
public struct SMTPProbeResult: Sendable, Hashable {
    /// The MX host name (SNI and name verification).
    public var host: String
    /// The address probed.
    public var address: String
    /// The port probed.
    public var port: Int
    /// Whether the TCP connection was made.
    public var connected: Bool
    /// The greeting.
    public var banner: SMTPReply?
    /// The reply to EHLO (before TLS).
    public var ehlo: SMTPReply?
    /// The EHLO extension lines (the reply's lines after the first), e.g. `PIPELINING`, `SIZE 10240000`.
    public var extensions: [String]
    /// Whether EHLO advertised STARTTLS.
    public var starttlsOffered: Bool
    /// The reply to STARTTLS.
    public var starttlsReply: SMTPReply?
    /// The server sent more data right after its STARTTLS reply, before the handshake (a protocol
    /// violation that enables command injection).
    public var dataAfterSTARTTLS: Bool
    /// The TLS facts, once the handshake succeeded.
    public var tls: TLSFacts?
    /// The reply to EHLO inside TLS.
    public var tlsEhlo: SMTPReply?
    /// Why the probe stopped early; `nil` when the whole conversation succeeded.
    public var failure: SMTPProbeFailure?
    /// OpenSSL's DANE verdict when the probe was given TLSA records (``DANERequest``); `nil` otherwise.
    public var dane: DANEVerdict?

    /// An empty result for `host` at `address`:`port`.
    public init(host: String, address: String, port: Int) {
        self.host = host
        self.address = address
        self.port = port
        connected = false
        extensions = []
        starttlsOffered = false
        dataAfterSTARTTLS = false
    }
}
