// The service's HTTP/1.1 request reader (RFC 9112): bytes from the network in, whole requests (head and
// body) or a refusal out. It reads hostile input, so every size is bounded and every ambiguity about where
// a message ends is refused rather than guessed. It imports nothing (the fuzz harness compiles it alone).

/// The sizes a request may reach.
public struct HTTPRequestLimits: Sendable {
    /// The request line (method, target, version), without its CRLF.
    public var requestLine = 8 * 1024
    /// The whole head: request line and header fields (and a chunked body's trailer section).
    public var headBytes = 16 * 1024
    /// Header fields in the head (and trailer fields).
    public var headerCount = 100
    /// The body, decoded.
    public var bodyBytes = 16 * 1024
    /// A chunk-size line with its extensions.
    public var chunkLine = 1024

    public init(bodyBytes: Int = 16 * 1024) { self.bodyBytes = bodyBytes }
}

/// One request as read: method, target and header fields as sent, the body decoded.
public struct HTTPReadRequest: Sendable, Equatable {
    public var method: String
    /// The request target as sent (origin-form for the service's routes).
    public var target: String
    /// 0 or 1: HTTP/1.0 or HTTP/1.1.
    public var minorVersion: Int
    public var headers: [HTTPField]
    public var body: [UInt8]
    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only
    /// with `Connection: keep-alive`.
    public var keepAlive: Bool
}

/// A header field: the name as sent, the value without surrounding whitespace.
public struct HTTPField: Sendable, Equatable {
    public var name: String
    public var value: String
}

/// Why a request was refused: the status to answer with (the connection is then closed), a problem code
/// and a sentence for the caller.
public struct HTTPRequestRefusal: Sendable, Equatable, Error {
    public var status: Int
    public var code: String
    public var detail: String

    static func malformed(_ detail: String) -> Self { .init(status: 400, code: "request.malformed", detail: detail) }
}

/// Reads requests from a byte stream, one after the other (pipelined requests are read in order). Feed it
/// the bytes not yet consumed with ``next(_:)``: it answers with a complete request, a refusal, or the need
/// for more bytes, and says how many of the bytes it consumed.
public struct HTTPRequestReader: Sendable {
    public enum Step: Sendable, Equatable {
        /// Needs more bytes; `consumed` of the given ones are taken (body bytes kept by the reader).
        case needMore(consumed: Int)
        /// A complete request, which took `consumed` bytes (since the last step's).
        case request(HTTPReadRequest, consumed: Int)
        /// The input is refused: answer and close; read nothing more.
        case refused(HTTPRequestRefusal)
    }

    private enum Phase: Sendable {
        /// Looking for the end of a head; the first `scanned` bytes hold none.
        case head(scanned: Int)
        /// Reading `remaining` more body bytes.
        case body(HTTPReadRequest, remaining: Int)
        /// Reading a chunked body.
        case chunked(HTTPReadRequest, Chunked)
        /// Refused: reads nothing more.
        case refused(HTTPRequestRefusal)
    }

    private enum Chunked: Sendable {
        /// Expecting a chunk-size line.
        case size
        /// Reading `remaining` bytes of chunk data, then CRLF.
        case data(remaining: Int)
        /// Expecting the CRLF after chunk data.
        case dataEnd
        /// Reading the trailer section (fields ignored) after the last chunk.
        case trailers(fields: Int, bytes: Int)
    }

    public let limits: HTTPRequestLimits
    private var phase = Phase.head(scanned: 0)

    public init(limits: HTTPRequestLimits = HTTPRequestLimits()) { self.limits = limits }

    /// The next step over `bytes`, the input not consumed so far.
    public mutating func next(_ bytes: UnsafeRawBufferPointer) -> Step {
        var consumed = 0
        while true {
            switch phase {
            case .refused(let refusal):
                return .refused(refusal)
            case .head(let scanned):
                let rest = UnsafeRawBufferPointer(rebasing: bytes[consumed...])
                switch readHead(rest, scanned: scanned) {
                case .needMore(let skipped, let scannedNow):
                    phase = .head(scanned: scannedNow)
                    return .needMore(consumed: consumed + skipped)
                case .refused(let refusal):
                    return refuse(refusal)
                case .head(let request, let length, let body):
                    consumed += length
                    switch body {
                    case .none:
                        phase = .head(scanned: 0)
                        return .request(request, consumed: consumed)
                    case .length(let count):
                        phase = .body(request, remaining: count)
                    case .chunked:
                        phase = .chunked(request, .size)
                    }
                }
            case .body(var request, let remaining):
                phase = .head(scanned: 0)  // the body grows in place, not in a copy
                let take = min(remaining, bytes.count - consumed)
                request.body.append(contentsOf: bytes[consumed ..< consumed + take])
                consumed += take
                if take == remaining {
                    phase = .head(scanned: 0)
                    return .request(request, consumed: consumed)
                }
                phase = .body(request, remaining: remaining - take)
                return .needMore(consumed: consumed)
            case .chunked(var request, let state):
                phase = .head(scanned: 0)  // nothing is held twice while the body grows
                switch readChunked(&request, state, bytes, &consumed) {
                case .done:
                    return .request(request, consumed: consumed)
                case .needMore(let now):
                    phase = .chunked(request, now)
                    return .needMore(consumed: consumed)
                case .refused(let refusal):
                    return refuse(refusal)
                }
            }
        }
    }

    private mutating func refuse(_ refusal: HTTPRequestRefusal) -> Step {
        phase = .refused(refusal)
        return .refused(refusal)
    }

    // MARK: The head

    private enum BodyFraming { case none, length(Int), chunked }

    private enum HeadResult {
        /// `skipped` leading empty lines consumed; `scanned` bytes after them hold no end of head.
        case needMore(skipped: Int, scanned: Int)
        case head(HTTPReadRequest, length: Int, body: BodyFraming)
        case refused(HTTPRequestRefusal)
    }

    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    private func readHead(_ input: UnsafeRawBufferPointer, scanned: Int) -> HeadResult {
        // Empty lines before a request line are ignored (RFC 9112 §2.2).
        var start = 0
        while start + 1 < input.count, input[start] == Self.cr, input[start + 1] == Self.lf { start += 2 }
        if input.count - start == 1, input[start] == Self.cr {
            return .needMore(skipped: start, scanned: 0)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: input[start...])
        // The end of the head: the first CRLF CRLF.
        var end: Int?
        var i = max(0, scanned - 3)
        while i + 3 < bytes.count {
            if bytes[i + 3] != Self.lf {
                i += bytes[i + 3] == Self.cr ? 1 : 4  // the LF of CRLFCRLF is at i + 3
                continue
            }
            if bytes[i] == Self.cr, bytes[i + 1] == Self.lf, bytes[i + 2] == Self.cr {
                end = i
                break
            }
            i += 1
        }
        guard let end else {
            // Not complete: refuse once it could not fit anyway.
            if bytes.count > limits.requestLine + 1, firstCRLF(bytes, limit: limits.requestLine + 2) == nil {
                return .refused(Self.lineTooLong(limits))
            }
            // A head within the limit ends (CRLF CRLF) within its first headBytes + 2 bytes.
            if bytes.count >= limits.headBytes + 2 {
                return .refused(.init(status: 431, code: "request.header-too-large",
                                      detail: "The request head is larger than \(limits.headBytes) bytes."))
            }
            return .needMore(skipped: start, scanned: max(0, bytes.count - 3))
        }
        if firstCRLF(bytes, limit: limits.requestLine + 2) == nil { return .refused(Self.lineTooLong(limits)) }
        if end + 2 > limits.headBytes {
            return .refused(.init(status: 431, code: "request.header-too-large",
                                  detail: "The request head is larger than \(limits.headBytes) bytes."))
        }
        switch parseHead(UnsafeRawBufferPointer(rebasing: bytes[..<(end + 2)])) {
        case .success(let (request, body)):
            return .head(request, length: start + end + 4, body: body)
        case .failure(let refusal):
            return .refused(refusal)
        }
    }

    private static func lineTooLong(_ limits: HTTPRequestLimits) -> HTTPRequestRefusal {
        .init(status: 414, code: "request.uri-too-long",
              detail: "The request line is longer than \(limits.requestLine) bytes.")
    }

    private func firstCRLF(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Int? {
        var i = 0
        while i + 1 < min(bytes.count, limit) {
            if bytes[i] == Self.cr, bytes[i + 1] == Self.lf { return i }
            i += 1
        }
        return nil
    }

    /// The head's lines, each ending in CRLF (the blank line excluded).
    private func parseHead(_ head: UnsafeRawBufferPointer) -> Result<(HTTPReadRequest, BodyFraming), HTTPRequestRefusal> {
        var lines: [Range<Int>] = []
        var lineStart = 0
        var i = 0
        while i < head.count {
            let b = head[i]
            if b == Self.cr {
                guard i + 1 < head.count, head[i + 1] == Self.lf else {
                    return .failure(.malformed("A bare CR in the request head."))
                }
                lines.append(lineStart ..< i)
                i += 2
                lineStart = i
                continue
            }
            if b == Self.lf { return .failure(.malformed("A bare LF in the request head (lines end in CRLF).")) }
            i += 1
        }
        guard let requestLine = lines.first else { return .failure(.malformed("No request line.")) }
        if requestLine.count > limits.requestLine { return .failure(Self.lineTooLong(limits)) }
        if lines.count - 1 > limits.headerCount {
            return .failure(.init(status: 431, code: "request.header-too-large",
                                  detail: "The request has more than \(limits.headerCount) header fields."))
        }

        // request-line = method SP request-target SP HTTP-version
        let line = UnsafeRawBufferPointer(rebasing: head[requestLine])
        guard let firstSpace = line.firstIndex(of: 0x20),
              let lastSpace = line.lastIndex(of: 0x20), lastSpace > firstSpace + 1 else {
            return .failure(.malformed("The request line is not 'method target version'."))
        }
        let method = line[..<firstSpace]
        let target = line[(firstSpace + 1) ..< lastSpace]
        let version = line[(lastSpace + 1)...]
        guard !method.isEmpty, method.allSatisfy(Self.isTokenByte) else {
            return .failure(.malformed("The method is not a token."))
        }
        guard target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(.malformed("The request target holds a space, a control character or a non-ASCII byte."))
        }
        let minor: Int
        switch Self.version(version) {
        // A later HTTP/1.x is read as the highest 1.x served (RFC 9110 §2.5): 1.1.
        case .some(let (1, m)): minor = min(m, 1)
        case .some: return .failure(.init(status: 505, code: "request.version",
                                          detail: "Only HTTP/1.x is served (1.0 and 1.1)."))
        case .none: return .failure(.malformed("The HTTP version is not HTTP/digit.digit."))
        }

        var fields: [HTTPField] = []
        fields.reserveCapacity(lines.count - 1)
        var contentLength: Int?
        var codings: [String] = []
        var hosts = 0
        var transferEncoding = false
        var close = false, keepAlive = false
        for range in lines.dropFirst() {
            let field = UnsafeRawBufferPointer(rebasing: head[range])
            if let first = field.first, first == 0x20 || first == 0x09 {
                return .failure(.malformed("A header field is folded over lines (obs-fold)."))
            }
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                return .failure(.malformed("A header line has no field name and colon."))
            }
            let name = field[..<colon]
            guard name.allSatisfy(Self.isTokenByte) else {
                return .failure(.malformed("A header field name is not a token (no space before the colon)."))
            }
            var valueStart = colon + 1, valueEnd = field.count
            while valueStart < valueEnd, field[valueStart] == 0x20 || field[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, field[valueEnd - 1] == 0x20 || field[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            let value = field[valueStart ..< valueEnd]
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return .failure(.malformed("A header field value holds a control character."))
            }
            let nameText = String(decoding: name, as: UTF8.self)
            let valueText = String(decoding: value, as: UTF8.self)
            fields.append(HTTPField(name: nameText, value: valueText))
            switch name.count == 4 || name.count == 10 || name.count == 14 || name.count == 17 ? Self.lowercased(name) : "" {
            case "content-length":
                guard contentLength == nil else {
                    return .failure(.malformed("More than one Content-Length."))
                }
                guard !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    return .failure(.malformed("Content-Length is not a number."))
                }
                // More digits than any limit: too large, whatever the number.
                contentLength = value.count > 18 ? Int.max : value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            case "transfer-encoding":
                transferEncoding = true
                for coding in valueText.split(separator: ",") {
                    let trimmed = coding.drop(while: { $0 == " " || $0 == "\t" })
                    let name = trimmed.prefix(while: { $0 != " " && $0 != "\t" && $0 != ";" })
                    codings.append(name.lowercased())
                }
            case "host":
                hosts += 1
            case "connection":
                for option in valueText.split(separator: ",") {
                    let token = option.trimmingSpaces.lowercased()
                    if token == "close" { close = true }
                    if token == "keep-alive" { keepAlive = true }
                }
            default:
                break
            }
        }
        if minor == 1, hosts != 1 {
            return .failure(.malformed(hosts == 0 ? "An HTTP/1.1 request without Host." : "More than one Host."))
        }
        var framing = BodyFraming.none
        if transferEncoding {
            guard contentLength == nil else {
                return .failure(.malformed("Both Content-Length and Transfer-Encoding: the body's end is ambiguous."))
            }
            guard minor == 1 else {
                return .failure(.malformed("Transfer-Encoding in an HTTP/1.0 request."))
            }
            guard codings.last == "chunked" else {
                return .failure(.malformed("Transfer-Encoding does not end in chunked: the body's end is unknown."))
            }
            guard codings.count == 1 else {
                return .failure(.init(status: 501, code: "request.transfer-coding",
                                      detail: "Only the chunked transfer coding is accepted."))
            }
            framing = .chunked
        } else if let contentLength, contentLength > 0 {
            if contentLength > limits.bodyBytes {
                return .failure(.init(status: 413, code: "request.too-large",
                                      detail: "The request body is larger than \(limits.bodyBytes) bytes."))
            }
            framing = .length(contentLength)
        }
        let request = HTTPReadRequest(method: String(decoding: method, as: UTF8.self),
                                      target: String(decoding: target, as: UTF8.self), minorVersion: minor,
                                      headers: fields, body: [],
                                      keepAlive: minor == 1 ? !close : keepAlive && !close)
        return .success((request, framing))
    }

    /// `HTTP/d.d` → (major, minor).
    private static func version(_ bytes: Slice<UnsafeRawBufferPointer>) -> (Int, Int)? {
        let s = bytes.startIndex
        guard bytes.count == 8, bytes.prefix(5).elementsEqual("HTTP/".utf8), bytes[s + 6] == UInt8(ascii: "."),
              (0x30...0x39).contains(bytes[s + 5]), (0x30...0x39).contains(bytes[s + 7]) else { return nil }
        return (Int(bytes[s + 5] - 0x30), Int(bytes[s + 7] - 0x30))
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func lowercased(_ name: Slice<UnsafeRawBufferPointer>) -> String {
        String(decoding: name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    // MARK: A chunked body (RFC 9112 §7.1)

    private enum ChunkStep {
        case done
        case needMore(Chunked)
        case refused(HTTPRequestRefusal)
    }

    private func readChunked(_ request: inout HTTPReadRequest, _ start: Chunked, _ bytes: UnsafeRawBufferPointer,
                             _ consumed: inout Int) -> ChunkStep {
        var state = start
        while true {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[consumed...])
            switch state {
            case .size:
                guard let lf = rest.prefix(limits.chunkLine + 2).firstIndex(of: Self.lf) else {
                    if rest.count > limits.chunkLine + 1 {
                        return .refused(.malformed("A chunk-size line is longer than \(limits.chunkLine) bytes."))
                    }
                    return .needMore(state)
                }
                guard lf > 0, rest[lf - 1] == Self.cr else {
                    return .refused(.malformed("A chunk-size line ends in a bare LF."))
                }
                let lineEnd = lf - 1
                let line = rest[..<lineEnd]
                let digits = line.prefix(while: { Self.hexValue($0) != nil })
                let tail = line[digits.endIndex...]
                guard !digits.isEmpty, tail.isEmpty || tail.first == UInt8(ascii: ";") || tail.first == 0x20 || tail.first == 0x09,
                      tail.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                    return .refused(.malformed("A chunk size is not hexadecimal."))
                }
                var size = 0
                for d in digits {
                    size = size * 16 + Self.hexValue(d)!
                    if size > limits.bodyBytes { break }
                }
                if request.body.count + size > limits.bodyBytes {
                    return .refused(.init(status: 413, code: "request.too-large",
                                          detail: "The request body is larger than \(limits.bodyBytes) bytes."))
                }
                consumed += lineEnd + 2
                state = size == 0 ? .trailers(fields: 0, bytes: 0) : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, rest.count)
                request.body.append(contentsOf: rest[..<take])
                consumed += take
                if take < remaining { return .needMore(.data(remaining: remaining - take)) }
                state = .dataEnd
            case .dataEnd:
                if rest.count < 2 {
                    if rest.count == 1, rest[0] != Self.cr { return .refused(.malformed("Chunk data does not end in CRLF.")) }
                    return .needMore(state)
                }
                guard rest[0] == Self.cr, rest[1] == Self.lf else {
                    return .refused(.malformed("Chunk data does not end in CRLF."))
                }
                consumed += 2
                state = .size
            case .trailers(let count, let size):
                guard let lineEnd = firstCRLF(rest, limit: limits.headBytes - size + 2) else {
                    if rest.count + size > limits.headBytes + 1 {
                        return .refused(.init(status: 431, code: "request.header-too-large",
                                              detail: "The trailer section is larger than \(limits.headBytes) bytes."))
                    }
                    return .needMore(state)
                }
                consumed += lineEnd + 2
                if lineEnd == 0 { return .done }
                let line = rest[..<lineEnd]
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
                      line[..<colon].allSatisfy(Self.isTokenByte),
                      line[(colon + 1)...].allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                    return .refused(.malformed("A trailer field is malformed."))
                }
                if count + 1 > limits.headerCount {
                    return .refused(.init(status: 431, code: "request.header-too-large",
                                          detail: "The trailer section has more than \(limits.headerCount) fields."))
                }
                state = .trailers(fields: count + 1, bytes: size + lineEnd + 2)
            }
        }
    }

    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x46: Int(b - 0x41 + 10)
        case 0x61...0x66: Int(b - 0x61 + 10)
        default: nil
        }
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
