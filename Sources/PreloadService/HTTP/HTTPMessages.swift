import Foundation
import NIOCore
import NIOHTTP1

/// One complete HTTP request as the service's routes see it: the body is already read (at most
/// ``ServiceLimits/maxBodyBytes``).
public struct ServiceRequest: Sendable {
    public var method: HTTPMethod
    /// The path, percent-encoding kept (each route decodes its own parameters).
    public var path: String
    /// Query parameters, percent-decoded; the first of repeated names wins.
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The TCP peer's IP address (text), before any `X-Forwarded-For`.
    public var peer: String

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: [UInt8], peer: String) {
        self.method = method
        self.headers = headers
        self.body = body
        self.peer = peer
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts.first ?? "")
        query = parts.count == 2 ? RequestBodies.formFields(parts[1].utf8) : [:]
    }

    /// The body as form fields (`application/x-www-form-urlencoded`).
    public var formFields: [String: String] { RequestBodies.formFields(body) }

    /// The media type of the body, lower-cased, without parameters.
    public var mediaType: String? {
        headers.first(name: "Content-Type").map {
            String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        }
    }
}

/// One HTTP response.
public struct ServiceResponse: Sendable {
    public var status: HTTPResponseStatus {
        didSet { wire = nil }
    }
    public var headers: HTTPHeaders {
        didSet { wire = nil }
    }
    public var body: [UInt8] {
        didSet { wire = nil }
    }
    /// The whole answer as written to an HTTP/1.1 connection that stays open, status line to body, and its
    /// head alone (for `HEAD`) (``prepared()``): an answer served many times is encoded once. Any change to
    /// the status, the headers or the body drops it.
    private(set) var wire: (message: ByteBuffer, head: ByteBuffer)?

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// This answer made ready to be written many times: encoded once for HTTP/1.1 with the connection kept.
    func prepared() -> ServiceResponse {
        var ready = self
        let message = encoded(minorVersion: 1, keepAlive: true, headOnly: false, allocator: ByteBufferAllocator())
        let headLength = message.readableBytes - (status.mayHaveResponseBody ? body.count : 0)
        ready.wire = (message, message.getSlice(at: message.readerIndex, length: headLength)!)
        return ready
    }

    /// This answer as bytes on the wire (RFC 9112): the status line, the headers with `Content-Length` (none
    /// for 1xx, 204 and 304, which have no body), `Connection: close` when the connection closes after it
    /// (`keep-alive` to an HTTP/1.0 client that keeps it), and the body unless `headOnly` (a `HEAD` request).
    func encoded(minorVersion: Int, keepAlive: Bool, headOnly: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        if keepAlive, minorVersion == 1, let wire { return headOnly ? wire.head : wire.message }
        var headers = self.headers
        let hasBody = status.mayHaveResponseBody
        if hasBody {
            headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        } else {
            headers.remove(name: "Content-Length")
        }
        headers.remove(name: "Transfer-Encoding")
        if !keepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if minorVersion == 0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let sendBody = hasBody && !headOnly
        var buffer = allocator.buffer(capacity: 64 + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
                                                + (sendBody ? body.count : 0))
        buffer.writeString("HTTP/1.\(minorVersion) \(status.code) \(status.reasonPhrase)\r\n")
        for (name, value) in headers {
            // A field that could split the head (CR, LF, NUL) or is no field at all is left out.
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPRequestReader.isTokenByte),
                  value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { continue }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        if sendBody { buffer.writeBytes(body) }
        return buffer
    }

    /// A JSON body (keys sorted, slashes unescaped), `application/json`.
    public static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok,
                                          headers extra: [(String, String)] = []) -> ServiceResponse {
        let data = (try? ServiceJSON.encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store")])
        for (name, value) in extra { headers.replaceOrAdd(name: name, value: value) }
        return ServiceResponse(status: status, headers: headers, body: Array(data) + [0x0a])
    }

    /// A text body.
    public static func text(_ text: String, status: HTTPResponseStatus = .ok,
                            contentType: String = "text/plain; charset=utf-8") -> ServiceResponse {
        ServiceResponse(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(text.utf8))
    }
}

/// The JSON coders of the API.
enum ServiceJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// An RFC 9457 problem detail (`application/problem+json`), with the issue code where there is one.
public struct Problem: Error, Sendable, Encodable {
    /// A URI reference naming the kind of problem: `urn:preload:problem:CODE` (or `about:blank`).
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The issue code (README's table), when the problem has one.
    public var code: String?
    /// Findings, for an ineligible domain.
    public var findings: [Finding]?
    /// Extra headers (`Retry-After`, `Allow`).
    public var headers: [(String, String)] = []

    enum CodingKeys: String, CodingKey { case type, title, status, detail, code, findings }

    public init(_ status: HTTPResponseStatus, code: String? = nil, _ detail: String, findings: [Finding]? = nil,
                headers: [(String, String)] = []) {
        self.status = Int(status.code)
        self.title = status.reasonPhrase
        self.detail = detail
        self.code = code
        self.type = code.map { "urn:preload:problem:\($0)" } ?? "about:blank"
        self.findings = findings
        self.headers = headers
    }

    /// The response carrying this problem.
    public var response: ServiceResponse {
        let data = (try? ServiceJSON.encoder.encode(self)) ?? Data()
        var headers = HTTPHeaders([("Content-Type", "application/problem+json"), ("Cache-Control", "no-store")])
        for (name, value) in self.headers { headers.replaceOrAdd(name: name, value: value) }
        return ServiceResponse(status: HTTPResponseStatus(statusCode: status), headers: headers, body: Array(data) + [0x0a])
    }
}

/// One checker finding as the API shows it.
public struct Finding: Sendable, Codable, Hashable {
    public var code: String
    public var severity: String
    public var message: String
    /// The host, record or URL the finding is about.
    public var host: String?
    /// What to do about it (from the catalogue).
    public var fix: String?
}
