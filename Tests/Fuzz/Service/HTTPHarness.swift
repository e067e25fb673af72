// Fuzz harness over the service's HTTP/1.1 request reader (the first bytes anyone on the network sends).
@testable import PreloadService

/// The first byte picks where the stream is cut in two (as two reads from the socket would); the rest is
/// the stream, read with small limits. The reader never traps; reading in two pieces gives what reading
/// at once gives; every request it reads is well formed (token method and names, a visible ASCII target,
/// values without CR, LF or NUL, a body within the limit) and, written out again with its body's length,
/// reads back as itself; a refusal is one of the statuses the server answers with, with a short sentence.
@Sendable func fuzzServiceHTTP(_ input: [UInt8]) {
    guard let selector = input.first else { return }
    let stream = Array(input.dropFirst())
    var limits = HTTPRequestLimits(bodyBytes: 256)
    limits.requestLine = 200
    limits.headBytes = 600
    limits.headerCount = 12
    limits.chunkLine = 40
    let whole = readStream(stream, cut: nil, limits: limits)
    let cut = stream.isEmpty ? 0 : Int(selector) * stream.count / 255
    let split = readStream(stream, cut: cut, limits: limits)
    require(whole.requests == split.requests, "cut at \(cut): \(split.requests.count) requests vs \(whole.requests.count) at once")
    require(whole.refusal == split.refusal, "cut at \(cut): refusal \(String(describing: split.refusal)) vs \(String(describing: whole.refusal))")
    require(whole.consumed <= stream.count, "consumed \(whole.consumed) of \(stream.count) bytes")
    if let refusal = whole.refusal {
        require([400, 413, 414, 431, 501, 505].contains(refusal.status), "refusal status \(refusal.status)")
        require(!refusal.detail.isEmpty && refusal.detail.utf8.count <= 200 && !refusal.code.isEmpty, "refusal \(refusal)")
    }
    for request in whole.requests {
        require(!request.method.isEmpty && request.method.utf8.allSatisfy(HTTPRequestReader.isTokenByte), "method \(request.method)")
        require(!request.target.isEmpty && request.target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "target \(request.target)")
        require(request.minorVersion == 0 || request.minorVersion == 1, "version 1.\(request.minorVersion)")
        require(request.body.count <= limits.bodyBytes, "a body of \(request.body.count) bytes")
        for field in request.headers {
            require(!field.name.isEmpty && field.name.utf8.allSatisfy(HTTPRequestReader.isTokenByte), "field name \(field.name)")
            require(!field.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }, "field value \(field.value.debugDescription)")
        }
        // Written out again, framed by Content-Length: read back as itself.
        let framing = ["content-length", "transfer-encoding"]
        var text = "\(request.method) \(request.target) HTTP/1.\(request.minorVersion)\r\n"
        for field in request.headers where !framing.contains(field.name.lowercased()) { text += "\(field.name): \(field.value)\r\n" }
        text += "Content-Length: \(request.body.count)\r\n\r\n"
        var relaxed = limits
        relaxed.requestLine = 100_000
        relaxed.headBytes = 100_000
        relaxed.headerCount = 100
        let again = readStream(Array(text.utf8) + request.body, cut: nil, limits: relaxed)
        require(again.refusal == nil && again.requests.count == 1, "re-encoded request refused: \(String(describing: again.refusal))")
        if let back = again.requests.first {
            require(back.method == request.method && back.target == request.target && back.minorVersion == request.minorVersion
                        && back.body == request.body && back.keepAlive == request.keepAlive,
                    "re-encoded request reads as \(back) instead of \(request)")
            require(back.headers.filter { !framing.contains($0.name.lowercased()) }
                        == request.headers.filter { !framing.contains($0.name.lowercased()) }, "re-encoded headers differ")
        }
    }
}

private struct StreamOutcome {
    var requests: [HTTPReadRequest] = []
    var refusal: HTTPRequestRefusal?
    var consumed = 0
}

/// Reads `stream` in one piece, or in two cut at `cut`, keeping the bytes not consumed as the server does.
private func readStream(_ stream: [UInt8], cut: Int?, limits: HTTPRequestLimits) -> StreamOutcome {
    var reader = HTTPRequestReader(limits: limits)
    var outcome = StreamOutcome()
    var pending: [UInt8] = []
    let pieces = cut.map { [Array(stream[..<$0]), Array(stream[$0...])] } ?? [stream]
    for piece in pieces {
        pending += piece
        loop: while !pending.isEmpty {
            let step = pending.withUnsafeBytes { reader.next($0) }
            switch step {
            case .needMore(let consumed):
                require(consumed <= pending.count, "consumed \(consumed) of \(pending.count)")
                pending.removeFirst(consumed)
                outcome.consumed += consumed
                break loop
            case .request(let request, let consumed):
                require(consumed > 0 && consumed <= pending.count, "a request of \(consumed) bytes out of \(pending.count)")
                pending.removeFirst(consumed)
                outcome.consumed += consumed
                outcome.requests.append(request)
            case .refused(let refusal):
                outcome.refusal = refusal
                return outcome
            }
        }
    }
    return outcome
}
