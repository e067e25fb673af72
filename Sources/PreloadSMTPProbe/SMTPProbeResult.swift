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
