import CCurl
import PreloadCore
import PreloadHTTP
import PreloadSystem

/// Sends one e-mail through an SMTP relay with libcurl (notifications to domain owners).
///
/// STARTTLS is used when the relay offers it (or required, with ``requireTLS``); the relay's certificate
/// is verified whenever TLS is used, for ``host`` (also the SNI name). To reach a relay by address (or by
/// another name) while verifying its certificate for its TLS name, give that name as `host` and where
/// to connect as `address` (libcurl's `CURLOPT_CONNECT_TO`). Transfers run on ``BlockingThreadPool/shared``.
public struct SMTPMailer: Sendable {
    /// The relay's host name (or IP address): the name its certificate is verified for.
    public var host: String
    /// The relay's port.
    public var port: Int
    /// Refuse to send without STARTTLS.
    public var requireTLS: Bool
    /// Trusted roots in one PEM file; `nil` for libcurl's default bundle.
    public var caFile: String?
    /// The deadline of one submission, in seconds.
    public var timeout: Double
    /// Connect here (an IP address or another host name) instead of resolving `host`; the certificate is
    /// still verified for `host`.
    public var address: String?
    /// The name sent in EHLO (libcurl sends the local host name when `nil`).
    public var ehloName: String?

    /// A mailer for the relay at `host`:`port`.
    public init(host: String, port: Int = 25, requireTLS: Bool = false, caFile: String? = nil, timeout: Double = 60,
                address: String? = nil, ehloName: String? = nil) {
        self.host = host
        self.port = port
        self.requireTLS = requireTLS
        self.caFile = caFile
        self.timeout = timeout
        self.address = address
        self.ehloName = ehloName
    }

    /// Submits `message` (a complete RFC 5322 message with CRLF line ends) from `sender` to `recipients`.
    /// - Throws: ``TransferError`` when the relay refuses or cannot be reached.
    public func send(from sender: String, to recipients: [String], message: [UInt8]) async throws(TransferError) {
        let job = MailJob(mailer: self, sender: sender, recipients: recipients, message: message)
        if let error = await BlockingThreadPool.shared.run({ job.perform() }) { throw error }
    }
}

/// One submission, run on one pool thread.
private struct MailJob: Sendable {
    let mailer: SMTPMailer
    let sender: String
    let recipients: [String]
    let message: [UInt8]

    func perform() -> TransferError? {
        let source = MessageSource(message)
        do {
            let easy = try CurlEasy()
            let ehlo = mailer.ehloName.map { "/" + $0 } ?? ""
            let host = mailer.host.contains(":") ? "[\(mailer.host)]" : mailer.host  // an IPv6 address
            try easy.set(CURLOPT_URL, "smtp://\(host):\(mailer.port)\(ehlo)")
            try easy.set(CURLOPT_PROTOCOLS_STR, "smtp")
            try easy.set(CURLOPT_USE_SSL, Int((mailer.requireTLS ? CURLUSESSL_ALL : CURLUSESSL_TRY).rawValue))
            try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let caFile = mailer.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
            try easy.set(CURLOPT_TIMEOUT_MS, Int(mailer.timeout * 1000))
            try easy.set(CURLOPT_PROXY, "")
            if let address = mailer.address {
                let target = address.contains(":") ? "[\(address)]" : address
                try easy.set(CURLOPT_CONNECT_TO, list: ["\(host):\(mailer.port):\(target):\(mailer.port)"])
            }
            try easy.set(CURLOPT_MAIL_FROM, "<\(sender)>")
            try easy.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
            try easy.set(CURLOPT_UPLOAD, 1)
            try easy.set(CURLOPT_INFILESIZE_LARGE, offset: Int64(message.count))
            try easy.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(source).toOpaque())
            try easy.setReadFunction { buffer, size, count, context in
                guard let buffer, let context else { return 0 }
                let source = Unmanaged<MessageSource>.fromOpaque(context).takeUnretainedValue()
                let n = min(size * count, source.bytes.count - source.offset)
                guard n > 0 else { return 0 }
                source.bytes.withUnsafeBufferPointer { all in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: n)
                }
                source.offset += n
                return n
            }
            let (_, error) = withExtendedLifetime(source) { easy.perform() }
            return error
        } catch {
            return error
        }
    }
}

/// The message being uploaded. Touched only by the transfer's thread.
private final class MessageSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}
