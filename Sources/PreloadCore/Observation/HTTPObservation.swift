/// An HTTP response that was read whole (within the size cap).
public struct HTTPResponse: Sendable, Hashable {
    /// The status code.
    public var status: Int
    /// The `Content-Type` header as sent, parameters included (`text/plain; charset=utf-8`).
    public var contentType: String?
    /// The body bytes.
    public var body: [UInt8]

    /// A response value.
    public init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The media type without parameters, lower-cased (`text/plain`).
    public var mediaType: String? {
        contentType.map {
            let type = $0.split(separator: ";", maxSplits: 1).first ?? ""
            return String(type.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
                .lowercased()
        }
    }
}

/// A failure of a transfer library (libcurl), with its code and both of its messages.
public struct TransferError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The library's error code (`CURLcode`).
    public var code: Int
    /// The library's text for `code` (`curl_easy_strerror`).
    public var message: String
    /// The transfer's own reason (libcurl's error buffer), often empty for configuration errors.
    public var detail: String

    /// An error value.
    public init(code: Int, message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? message : "\(message): \(detail)" }
}

/// How an HTTPS fetch under the MTA-STS rules ended (RFC 8461 §3.3: HTTPS only, certificate verified, no
/// redirects followed, the body capped, one deadline). Only ``response(_:)`` carries a body; a policy
/// counts only with status 200.
public enum PolicyFetchOutcome: Sendable, Hashable {
    /// The server answered with a status that is not a redirect (200, 404, 500…).
    case response(HTTPResponse)
    /// A 3xx answer, not followed (RFC 8461 §3.3), with the absolute target when a `Location` was given.
    case redirect(status: Int, location: String?)
    /// The body exceeds the cap, announced by `Content-Length` or found while reading (chunked).
    case tooLarge(status: Int?, limit: Int)
    /// The TLS handshake or certificate verification failed (untrusted, expired, wrong name…).
    case tlsFailure(TransferError)
    /// No connection: refused, unreachable, or the name could not be resolved.
    case connectFailed(TransferError)
    /// Nothing complete within the deadline.
    case timeout
    /// Any other failure (protocol error, our own configuration).
    case failed(TransferError)

    /// The body of an HTTP 200 answer; `nil` for every other outcome.
    public var okBody: [UInt8]? {
        if case .response(let response) = self, response.status == 200 { return response.body }
        return nil
    }

    /// Why there is no HTTP 200 body, in a few words (`HTTP 404`, `TLS: …`); `nil` for an HTTP 200 answer.
    public var failureDescription: String? {
        switch self {
        case .response(let response): response.status == 200 ? nil : "HTTP \(response.status)"
        case .redirect(let status, let location): "HTTP \(status) redirect to \(location ?? "?") (not followed)"
        case .tooLarge(_, let limit): "the body is larger than \(limit) bytes"
        case .tlsFailure(let error): "TLS: \(error)"
        case .connectFailed(let error): "connect: \(error)"
        case .timeout: "timeout"
        case .failed(let error): "\(error)"
        }
    }
}
