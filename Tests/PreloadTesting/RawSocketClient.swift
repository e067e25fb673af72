#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Errors of the test client.
public struct ClientError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// A blocking TCP client speaking netstrings, for driving the socketmap server like Postfix does.
/// Use it only from ``onThread(_:)``: its calls block.
public final class RawSocketClient {
    public let fd: Int32
    private var pending: [UInt8] = []

    /// Connects; `receiveBuffer` fixes the socket's receive buffer (no autotuning) to keep what the kernel holds small.
    public init(port: Int, timeoutSeconds: Int = 15, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket: \(errno)") }
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let descriptor = fd
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ClientError(description: "connect: \(e)")
        }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }  // a signal to the test process (a child that ended)
            guard n > 0 else { throw ClientError(description: "send: errno \(errno)") }
            offset += n
        }
    }

    /// Sends what the socket takes now without blocking; returns how many bytes that was (0 when it is full).
    public func sendWithoutWaiting(_ bytes: ArraySlice<UInt8>) throws -> Int {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
            throw ClientError(description: "send: errno \(errno)")
        }
        return n
    }

    /// Closes the sending side (the server reads end-of-file) and keeps reading possible.
    public func shutdownWrite() throws {
        guard shutdown(fd, Int32(SHUT_WR)) == 0 else { throw ClientError(description: "shutdown: errno \(errno)") }
    }

    /// Sends raw text.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends one request as a netstring.
    public func sendRequest(_ payload: String) throws { try send(Array("\(payload.utf8.count):\(payload),".utf8)) }

    /// The next reply payload, or `nil` when the server closed the connection.
    public func readReply() throws -> String? {
        while true {
            if let (payload, end) = try Self.frame(pending) {
                pending.removeFirst(end)
                return payload
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return nil }
            if n < 0 {
                if errno == EINTR { continue }  // a signal to the test process (a child that ended)
                if errno == ECONNRESET { return nil }
                throw ClientError(description: "recv: errno \(errno) (a timeout is EAGAIN)")
            }
            pending += chunk[0..<n]
        }
    }

    /// The first netstring of `bytes` (its payload and where it ends), `nil` while incomplete. An independent
    /// reader: the server's own `Netstring` is what is under test.
    static func frame(_ bytes: [UInt8]) throws -> (String, Int)? {
        guard let colon = bytes.prefix(7).firstIndex(of: UInt8(ascii: ":")) else {
            if bytes.count >= 7 || bytes.contains(where: { !(0x30...0x39).contains($0) }) {
                throw ClientError(description: "bad netstring length: \(bytes.prefix(16))")
            }
            return nil
        }
        guard colon > 0, let length = Int(String(decoding: bytes[..<colon], as: UTF8.self)) else {
            throw ClientError(description: "bad netstring length")
        }
        let end = colon + 1 + length
        guard bytes.count > end else { return nil }
        guard bytes[end] == UInt8(ascii: ",") else { throw ClientError(description: "netstring without its comma") }
        return (String(decoding: bytes[(colon + 1)..<end], as: UTF8.self), end + 1)
    }

    /// Sends one request and reads its reply.
    public func ask(_ payload: String) throws -> String? {
        try sendRequest(payload)
        return try readReply()
    }

    /// Reads replies until the server closes the connection; returns them. Throws on a read timeout.
    public func repliesUntilClosed() throws -> [String] {
        var replies: [String] = []
        while let reply = try readReply() { replies.append(reply) }
        return replies
    }
}

/// Runs blocking work on a fresh thread, off Swift's cooperative pool (which the server under test needs).
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Runs a command and returns its exit status and output (off the cooperative pool).
public func runCommand(_ path: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await onThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
