#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOHTTP1
import PreloadTesting
import Testing
@testable import PreloadService

/// The service's HTTP server on loopback with a small handler: `/fast` answered at once on the event loop,
/// `/304` a prepared Not Modified, everything else through the task handler, which echoes the method, the
/// path and the body.
@Suite struct HTTPServerTests {
    static func withServer(_ body: (Int) async throws -> Void) async throws {
        let notModified = ServiceResponse(status: .notModified, headers: HTTPHeaders([("ETag", "\"e\"")])).prepared()
        let server = try await HTTPServer.start(
            host: "127.0.0.1", port: 0, maxBodyBytes: 64, logger: Logger(label: "test"),
            immediate: { head, _ in
                switch head.uri {
                case "/fast": ServiceResponse.text("fast\n").prepared()
                case "/304": notModified
                default: nil
                }
            },
            handler: { request in
                .text("\(request.method.rawValue) \(request.path) \(String(decoding: request.body, as: UTF8.self))\n")
            })
        do {
            try await body(server.port!)
        } catch {
            await server.shutdown(grace: .seconds(1))
            throw error
        }
        await server.shutdown(grace: .seconds(1))
    }

    /// Sends `text` and reads until the server closes the connection.
    static func exchange(_ port: Int, _ text: String) async throws -> String {
        try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 10)
            try client.send(text)
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { break }
                guard n > 0 else { throw ClientError(description: "recv: errno \(errno) after \(bytes.count) bytes") }
                bytes += chunk[0..<n]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await Self.withServer { port in
            let answer = try await Self.exchange(port,
                "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"
                + "HEAD /fast HTTP/1.1\r\nHost: h\r\n\r\n"
                + "GET /304 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                + "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n")  // after the close: never answered
            let fast = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\n"
            #expect(answer == fast + "fast\n"
                + "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 17\r\n\r\nPOST /echo hello\n"
                + fast + "fast\n"
                + "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 17\r\n\r\nPOST /chunks abc\n"
                + fast
                + "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nConnection: close\r\n\r\n")
        }
    }

    @Test func http10IsAnsweredInKindAndClosedUnlessKeptAlive() async throws {
        try await Self.withServer { port in
            let closed = try await Self.exchange(port, "GET /fast HTTP/1.0\r\n\r\n")
            #expect(closed == "HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfast\n")
            let kept = try await Self.exchange(port, "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /fast HTTP/1.0\r\n\r\n")
            #expect(kept == "HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 8\r\nConnection: keep-alive\r\n\r\nGET /x \n"
                + "HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfast\n")
        }
    }

    /// A refused request is answered with a problem and the connection closed; the requests before it are
    /// answered first, nothing after it is.
    @Test(arguments: [
        ("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400, "request.malformed"),
        ("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\n\r\n", 413, "request.too-large"),
        ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: h\r\n\r\n", 414, "request.uri-too-long"),
        ("GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-A: b\r\n", count: 101) + "\r\n", 431, "request.header-too-large"),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: br, chunked\r\n\r\n", 501, "request.transfer-coding"),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "request.version"),
    ])
    func refusalsAreProblemsThatClose(request: String, status: Int, code: String) async throws {
        try await Self.withServer { port in
            let answer = try await Self.exchange(port, "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n" + request + "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n")
            let parts = answer.components(separatedBy: "HTTP/1.1 ")
            #expect(parts.count == 3, "\(answer)")
            #expect(parts[1].hasPrefix("200 OK\r\n"))
            let refusal = parts.last ?? ""
            #expect(refusal.hasPrefix("\(status) "), "\(refusal)")
            #expect(refusal.contains("\r\nContent-Type: application/problem+json\r\n"))
            #expect(refusal.contains("\r\nConnection: close\r\n"))
            let body = refusal.components(separatedBy: "\r\n\r\n").last ?? ""
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(json?["code"] as? String == code)
            #expect(json?["status"] as? Int == status)
        }
    }
}
