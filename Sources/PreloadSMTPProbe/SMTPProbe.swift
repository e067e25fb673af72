import COpenSSL
import Foundation
import PreloadCore
import PreloadOpenSSL
import PreloadSystem

/// Probes one address of one MX host: banner, EHLO, STARTTLS, TLS handshake with SNI = the MX host name,
/// certificate verdicts, EHLO inside TLS, QUIT.
///
/// Every step has a deadline and every reply is bounded (4 KiB a line, 100 lines, 64 KiB a reply), so a
/// server that stalls, floods or answers garbage yields a coded ``SMTPProbeFailure`` quickly. Probes run on
/// ``BlockingThreadPool/shared``, one thread per probe, never on Swift's cooperative pool: many probes
/// really run at once.
///
/// Trust assumptions:
/// - The certificate verdicts are judged separately: chain trust with validity times ignored, name match
///   against subjectAltName DNS-IDs only (wildcards only as a whole left-most label; a CN-only certificate
///   does not match), leaf validity at the injected "now" (`PRELOAD_NOW`), and OpenSSL's overall result
///   with host name and time set on the connection. SNI is the MX host name.
/// - Data sent right after the `220` to STARTTLS, before the handshake, is discarded and flagged
///   (``SMTPProbeResult/dataAfterSTARTTLS``): it is the STARTTLS command-injection pattern.
///
/// - Warning: the probe *observes*; it does not protect a transfer. Its TLS configuration accepts TLS 1.0
///   and up at `@SECLEVEL=0` and never aborts a handshake on a certificate failure, so that old or
///   misconfigured servers are reported rather than seen as opaque handshake errors. Never use it to send
///   mail or fetch anything.
public struct SMTPProbe: Sendable {
    /// Per-step deadlines, in seconds.
    public struct Timeouts: Sendable, Hashable {
        /// TCP connect.
        public var connect: Double
        /// Each reply (banner, EHLO, STARTTLS, EHLO inside TLS).
        public var reply: Double
        /// The TLS handshake.
        public var handshake: Double
        /// The whole probe; every step also ends by then.
        public var total: Double

        /// Deadlines; the defaults suit a public checker.
        public init(connect: Double = 10, reply: Double = 30, handshake: Double = 20, total: Double = 90) {
            self.connect = connect
            self.reply = reply
            self.handshake = handshake
            self.total = total
        }

        /// One figure (`--timeout`) for every step; the whole probe may take four steps' worth.
        public init(each seconds: Double) {
            self.init(connect: seconds, reply: seconds, handshake: seconds, total: seconds * 4)
        }
    }

    /// Bounds on what a server may send.
    public struct Limits: Sendable, Hashable {
        /// Bytes in one reply line.
        public var lineLength: Int
        /// Lines in one reply.
        public var lines: Int
        /// Bytes in one reply.
        public var replySize: Int

        /// Bounds; the defaults are far above what any real server sends.
        public init(lineLength: Int = 4096, lines: Int = 100, replySize: Int = 65536) {
            self.lineLength = lineLength
            self.lines = lines
            self.replySize = replySize
        }
    }

    /// The trust store the probes verify against.
    public var trust: TrustStore { context.trust }
    /// The name sent in EHLO.
    public var ehloName: String
    /// The deadlines.
    public var timeouts: Timeouts
    /// The reply bounds.
    public var limits: Limits
    private let context: TLSClientContext

    /// A prober verifying against `trust`; its TLS configuration is built once here.
    /// - Throws: ``OpenSSLError`` when the trust store cannot be loaded.
    public init(trust: TrustStore = .system, ehloName: String = "preload-checker.invalid",
                timeouts: Timeouts = Timeouts(), limits: Limits = Limits()) throws(OpenSSLError) {
        _ = ignoreSIGPIPE
        context = try TLSClientContext(trust: trust)
        self.ehloName = ehloName
        self.timeouts = timeouts
        self.limits = limits
    }

    /// Probes `address` (IPv4 or IPv6 text) on `port` as MX host `host`.
    /// - Parameters:
    ///   - now: the time certificates are judged at (`PRELOAD_NOW`); `nil` for the real clock.
    ///   - dane: the host's DNSSEC-validated TLSA records, evaluated during the handshake (``SMTPProbeResult/dane``).
    public func probe(host: String, address: String, port: Int = 25, now: Timestamp? = nil,
                      dane: DANERequest? = nil) async -> SMTPProbeResult {
        let session = SMTPSession(probe: self, context: context, host: host, address: address, port: port,
                                  now: now?.secondsSince1970, dane: dane)
        return await BlockingThreadPool.shared.run { session.run() }
    }

    /// Probes synchronously on the calling thread (for callers that manage their own threads).
    /// - Warning: blocks for up to ``Timeouts/total`` seconds; never call it from Swift concurrency.
    public func probeBlocking(host: String, address: String, port: Int = 25, now: Timestamp? = nil) -> SMTPProbeResult {
        SMTPSession(probe: self, context: context, host: host, address: address, port: port,
                    now: now?.secondsSince1970).run()
    }
}

/// SIGPIPE would kill the process when a server closes while OpenSSL writes to the socket.
private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// One probe's conversation, run on one thread.
private struct SMTPSession: Sendable {
    let probe: SMTPProbe
    let context: TLSClientContext
    let host: String
    let address: String
    let port: Int
    let now: Int64?
    var dane: DANERequest? = nil

    func run() -> SMTPProbeResult {
        var result = SMTPProbeResult(host: host, address: address, port: port)
        let end = Deadline.after(probe.timeouts.total)
        func deadline(_ seconds: Double) -> Deadline { min(Deadline.after(seconds), end) }
        let reader = SMTPReplyReader(limits: probe.limits)

        let connection: ProbeConnection
        switch ProbeConnection.connect(address: address, port: port, deadline: deadline(probe.timeouts.connect)) {
        case .connected(let c): connection = c
        case .refused: return failed(result, .connectRefused)
        case .timeout: return failed(result, .connectTimeout)
        case .failed(let message): return failed(result, .connectFailed(message))
        }
        result.connected = true

        // Reads the reply to a step; on failure records it and returns nil.
        func reply(_ step: SMTPStep) -> SMTPReply? {
            switch reader.read(from: connection, until: deadline(probe.timeouts.reply)) {
            case .reply(let r): return r
            case .timeout: result.failure = .timeout(step)
            case .closed: result.failure = .connectionClosed(step)
            case .garbage(let line): result.failure = .garbage(step, line: line)
            case .tooLong: result.failure = .tooLong(step)
            case .failed: result.failure = .connectionClosed(step)
            }
            return nil
        }
        func send(_ command: String, _ step: SMTPStep) -> Bool {
            if let error = connection.send(Array((command + "\r\n").utf8), until: deadline(probe.timeouts.reply)) {
                result.failure = .sendFailed(step, error)
                return false
            }
            return true
        }
        func quit() {  // best effort: failures here change nothing in the result
            let quitDeadline = min(Deadline.after(1), end)
            guard connection.send(Array("QUIT\r\n".utf8), until: quitDeadline) == nil else { return }
            _ = reader.read(from: connection, until: quitDeadline)
        }

        guard let banner = reply(.banner) else { return result }
        result.banner = banner
        guard banner.code == 220 else {
            quit()
            return failed(result, .rejected(.banner, code: banner.code))
        }

        guard send("EHLO \(probe.ehloName)", .ehlo), let ehlo = reply(.ehlo) else { return result }
        result.ehlo = ehlo
        guard ehlo.code == 250 else {
            quit()
            return failed(result, .rejected(.ehlo, code: ehlo.code))
        }
        result.extensions = Array(ehlo.lines.dropFirst())
        result.starttlsOffered = result.extensions.contains {
            $0.split(separator: " ").first.map { $0.uppercased() == "STARTTLS" } ?? false
        }
        guard result.starttlsOffered else {
            quit()
            return failed(result, .starttlsNotOffered)
        }

        guard send("STARTTLS", .starttls), let starttls = reply(.starttls) else { return result }
        result.starttlsReply = starttls
        guard starttls.code == 220 else {
            quit()
            return failed(result, .rejected(.starttls, code: starttls.code))
        }
        result.dataAfterSTARTTLS = !connection.buffer.isEmpty
        connection.buffer.removeAll()

        let ssl: OpaquePointer
        var daneRecordsUsed = 0
        do throws(OpenSSLError) {
            ssl = try context.makeSSL(host: host, now: now)
            if let dane {
                do throws(OpenSSLError) {
                    daneRecordsUsed = try DANEHandshake.configure(ssl, host: host, request: dane)
                } catch {
                    SSL_free(ssl)
                    throw error
                }
            }
        } catch {
            return failed(result, .handshakeFailed(error.description))
        }
        switch connection.handshake(ssl, until: deadline(probe.timeouts.handshake)) {
        case .done: break
        case .timeout: return failed(result, .timeout(.handshake))
        case .failed(let reason): return failed(result, .handshakeFailed(reason))
        }
        result.tls = CertificateInspector.tlsFacts(ssl: ssl, host: host, now: now, context: context)
        if dane != nil { result.dane = DANEHandshake.verdict(ssl, recordsUsed: daneRecordsUsed) }

        guard send("EHLO \(probe.ehloName)", .tlsEhlo), let tlsEhlo = reply(.tlsEhlo) else { return result }
        result.tlsEhlo = tlsEhlo
        if tlsEhlo.code != 250 { result.failure = .rejected(.tlsEhlo, code: tlsEhlo.code) }
        quit()
        connection.shutdownTLS()
        return result
    }

    private func failed(_ result: SMTPProbeResult, _ failure: SMTPProbeFailure) -> SMTPProbeResult {
        var result = result
        result.failure = failure
        return result
    }
}
