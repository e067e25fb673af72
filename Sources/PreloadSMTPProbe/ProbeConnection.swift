import COpenSSL
import Foundation
import PreloadOpenSSL

/// A point in time by which a step must be done.
typealias Deadline = ContinuousClock.Instant

extension ContinuousClock.Instant {
    /// `seconds` from now.
    static func after(_ seconds: Double) -> Deadline { .now + .milliseconds(Int64(max(0, seconds) * 1000)) }

    /// Milliseconds left, for `poll` (0 when past).
    var remainingMilliseconds: Int32 {
        let c = (self - .now).components
        let ms = c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms + (c.attoseconds % 1_000_000_000_000_000 > 0 ? 1 : 0)))
    }
}

/// What one read brought.
enum ReadEvent {
    case data([UInt8])
    case closed
    case timeout
    case failed(String)
}

/// A non-blocking TCP connection with an optional TLS layer; every wait is a `poll` bounded by a deadline.
/// Owns its socket and its `SSL` object and frees them in `deinit`. Used by one thread at a time.
final class ProbeConnection {
    enum ConnectOutcome {
        case connected(ProbeConnection)
        case refused
        case timeout
        case failed(String)
    }

    let fd: Int32
    /// The TLS layer once STARTTLS succeeded (owned).
    var ssl: OpaquePointer?
    /// Received bytes not consumed yet.
    var buffer: [UInt8] = []

    private init(fd: Int32) { self.fd = fd }

    deinit {
        if let ssl { SSL_free(ssl) }
        close(fd)
    }

    /// Opens a connection to `address` (IPv4 or IPv6 text) and `port` by `deadline`.
    static func connect(address: String, port: Int, deadline: Deadline) -> ConnectOutcome {
        var storage = sockaddr_storage()
        /// Puts `value` in `storage` and says how long it is.
        func store<T>(_ value: T) -> socklen_t {
            withUnsafeMutableBytes(of: &storage) { raw in raw.storeBytes(of: value, as: T.self) }
            return socklen_t(MemoryLayout<T>.size)
        }
        let networkPort = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        let family: Int32
        let length: socklen_t
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            family = AF_INET
            length = store(sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: networkPort, sin_addr: v4,
                                       sin_zero: (0, 0, 0, 0, 0, 0, 0, 0)))
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            family = AF_INET6
            length = store(sockaddr_in6(sin6_family: sa_family_t(AF_INET6), sin6_port: networkPort, sin6_flowinfo: 0,
                                        sin6_addr: v6, sin6_scope_id: 0))
        } else {
            return .failed("'\(address)' is not an IP address")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errnoText()) }
        let connection = ProbeConnection(fd: fd)
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else { return classify(errno) }
            guard connection.wait(for: Int16(POLLOUT), until: deadline) else { return .timeout }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 else { return classify(errno) }
            if error != 0 { return classify(error) }
        }
        return .connected(connection)
    }

    private static func classify(_ code: Int32) -> ConnectOutcome {
        switch code {
        case ECONNREFUSED: .refused
        case ETIMEDOUT: .timeout
        default: .failed(String(cString: strerror(code)))
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// How an OpenSSL I/O call ended under ``retrying(_:until:_:)``.
    enum SSLCallResult {
        /// It returned this, more than 0.
        case done(Int32)
        /// The deadline passed while waiting to retry it.
        case timeout
        /// It failed with this `SSL_get_error` code.
        case failed(Int32)
    }

    /// Calls `call` (an OpenSSL I/O call on `ssl`, its error queue cleared first) until it returns more than
    /// 0; when OpenSSL asks for a retry (`SSL_ERROR_WANT_READ`/`_WRITE`), waits until the socket is ready,
    /// at most until `deadline`.
    private func retrying(_ ssl: OpaquePointer, until deadline: Deadline, _ call: () -> Int32) -> SSLCallResult {
        while true {
            OpenSSLError.clearQueue()
            let rc = call()
            if rc > 0 { return .done(rc) }
            let code = SSL_get_error(ssl, rc)
            switch code {
            case SSL_ERROR_WANT_READ: if !wait(for: Int16(POLLIN), until: deadline) { return .timeout }
            case SSL_ERROR_WANT_WRITE: if !wait(for: Int16(POLLOUT), until: deadline) { return .timeout }
            default: return .failed(code)
            }
        }
    }

    /// Waits until `events` are possible on the socket; `false` when the deadline passed first.
    func wait(for events: Int16, until deadline: Deadline) -> Bool {
        while true {
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let ms = deadline.remainingMilliseconds
            let rc = poll(&pfd, 1, ms)
            if rc > 0 { return true }  // readable, writable, or an error/hang-up the next call will report
            if rc == 0 { return false }
            if errno != EINTR { return true }
        }
    }

    /// Reads what is available (up to 16 KiB), waiting at most until `deadline`.
    func read(until deadline: Deadline) -> ReadEvent {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            if let ssl {
                switch retrying(ssl, until: deadline, { SSL_read(ssl, &chunk, Int32(chunk.count)) }) {
                case .done(let n):
                    return .data(Array(chunk[0..<Int(n)]))
                case .timeout:
                    return .timeout
                case .failed(SSL_ERROR_ZERO_RETURN):
                    return .closed
                case .failed(SSL_ERROR_SYSCALL):
                    let error = OpenSSLError.capture("SSL_read")
                    return error.details.isEmpty ? .closed : .failed(error.description)
                case .failed:
                    return .failed(OpenSSLError.capture("SSL_read").description)
                }
            } else {
                let n = recv(fd, &chunk, chunk.count, 0)
                if n > 0 { return .data(Array(chunk[0..<n])) }
                if n == 0 { return .closed }
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    if !wait(for: Int16(POLLIN), until: deadline) { return .timeout }
                case EINTR:
                    continue
                case ECONNRESET:
                    return .closed
                default:
                    return .failed(Self.errnoText())
                }
            }
        }
    }

    /// Sends all of `bytes` by `deadline`; `nil` on success, else the reason.
    func send(_ bytes: [UInt8], until deadline: Deadline) -> String? {
        var offset = 0
        while offset < bytes.count {
            if let ssl {
                let write = { bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) } }
                switch retrying(ssl, until: deadline, write) {
                case .done(let n): offset += Int(n)
                case .timeout: return "timed out"
                case .failed: return OpenSSLError.capture("SSL_write").description
                }
            } else {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 {
                    offset += n
                    continue
                }
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    if !wait(for: Int16(POLLOUT), until: deadline) { return "timed out" }
                case EINTR:
                    continue
                default:
                    return Self.errnoText()
                }
            }
        }
        return nil
    }

    enum HandshakeOutcome {
        case done
        case timeout
        case failed(String)
    }

    /// Runs the client handshake on `ssl` (already configured) over this socket by `deadline`.
    /// The connection owns `ssl` from here on.
    func handshake(_ ssl: OpaquePointer, until deadline: Deadline) -> HandshakeOutcome {
        self.ssl = ssl
        guard SSL_set_fd(ssl, fd) == 1 else { return .failed(OpenSSLError.capture("SSL_set_fd").description) }
        switch retrying(ssl, until: deadline, { SSL_connect(ssl) }) {
        case .done:
            return .done
        case .timeout:
            return .timeout
        case .failed(SSL_ERROR_SYSCALL):
            let savedErrno = errno
            let error = OpenSSLError.capture("TLS handshake")
            if !error.details.isEmpty { return .failed(error.description) }
            return .failed(savedErrno == 0 ? "the server closed the connection during the TLS handshake"
                : "TLS handshake failed: \(String(cString: strerror(savedErrno)))")
        case .failed:
            return .failed(OpenSSLError.capture("TLS handshake").description)
        }
    }

    /// Sends a TLS close_notify without waiting for the peer's.
    func shutdownTLS() {
        guard let ssl else { return }
        OpenSSLError.clearQueue()
        _ = SSL_shutdown(ssl)
        OpenSSLError.clearQueue()
    }
}
