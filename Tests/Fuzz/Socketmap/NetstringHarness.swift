#if PRELOAD_FUZZ_NETSTRING
@testable import PreloadCore
@testable import PreloadSocketmap

/// The request limits the harness tries: the first input byte picks one, the rest is the byte stream.
private let limits = [0, 1, 9, 10, 99, 100, 1_024, 4_096]

/// A socketmap connection's byte stream (`LEN:NAME KEY,` netstrings, pipelined). The framing agrees with
/// a reference reader (frame, "need more", or which error); a shorter read of the same stream never gives
/// a different verdict (only "need more"); the frames taken re-encode to exactly the bytes they came from;
/// and each payload parses as a request just as its text does (see socketmap-request for the request rules).
@Sendable func fuzzNetstring(_ input: [UInt8]) {
    guard let selector = input.first else { return }
    let maxLength = limits[Int(selector) % limits.count]
    let stream = Array(input.dropFirst())

    let first = verdict(stream[...], maxLength)
    require(first == referenceVerdict(stream[...], maxLength), "stream verdict \(first), reference \(referenceVerdict(stream[...], maxLength))")
    for cut in 0..<stream.count {
        let partial = verdict(stream[..<cut], maxLength)
        if case .frame(let frame) = first, cut < frame.end {
            require(partial == .needMore, "a read of \(cut) bytes gives \(partial) before the frame ending at \(frame.end)")
        } else if partial != .needMore {
            require(partial == first || cut >= frameEnd(first), "a read of \(cut) bytes gives \(partial), the whole stream \(first)")
        }
    }

    let all: (payloads: [[UInt8]], consumed: Int)
    do {
        all = try Netstring.parseAll(stream, maxLength: maxLength)
    } catch {
        // parseAll throws only at a malformed netstring after the complete ones, as the reference says.
        var offset = 0
        while case .frame(let frame) = referenceVerdict(stream[offset...], maxLength) { offset = frame.end }
        require(referenceVerdict(stream[offset...], maxLength) == .error(error), "parseAll threw \(error)")
        return
    }
    require(all.payloads.flatMap { Netstring.encode($0) } == Array(stream[..<all.consumed]), "frames do not re-encode to their bytes")
    require(verdict(stream[all.consumed...], maxLength) == .needMore, "parseAll stopped before a complete frame")
    for payload in all.payloads {
        require(payload.count <= maxLength, "a payload of \(payload.count) bytes under a limit of \(maxLength)")
        // A space never occurs inside a UTF-8 sequence, so splitting before or after decoding is the same.
        let fromBytes = SocketmapRequest(payload: payload)
        require(fromBytes == SocketmapRequest(payload: String(decoding: payload, as: UTF8.self)), "the request parses differently as text")
    }
}

private enum Verdict: Equatable {
    case frame(NetstringFrame)
    case needMore
    case error(NetstringError)
}

private func frameEnd(_ verdict: Verdict) -> Int {
    if case .frame(let frame) = verdict { return frame.end }
    return Int.max
}

private func verdict(_ bytes: ArraySlice<UInt8>, _ maxLength: Int) -> Verdict {
    do {
        guard let frame = try Netstring.parse(bytes, maxLength: maxLength) else { return .needMore }
        return .frame(frame)
    } catch {
        return .error(error)
    }
}

/// `socketmap_table(5)` netstrings as specified: `[1-9][0-9]*|0`, `:`, that many bytes, `,`. A length that
/// is too long (more digits than the limit has, or a value above it) is refused as soon as it is known.
private func referenceVerdict(_ bytes: ArraySlice<UInt8>, _ maxLength: Int) -> Verdict {
    let maxDigits = String(maxLength).count
    var digits: [UInt8] = []
    var i = bytes.startIndex
    while i < bytes.endIndex, bytes[i] != UInt8(ascii: ":") {
        let c = bytes[i]
        guard c >= 0x30 && c <= 0x39 else { return .error(.invalidLength) }
        if digits == [0x30] { return .error(.invalidLength) }
        digits.append(c)
        if digits.count > maxDigits { return .error(.tooLong(limit: maxLength)) }
        i += 1
    }
    guard i < bytes.endIndex else { return .needMore }
    guard !digits.isEmpty else { return .error(.invalidLength) }
    let length = Int(String(decoding: digits, as: UTF8.self))!
    guard length <= maxLength else { return .error(.tooLong(limit: maxLength)) }
    let start = i + 1
    guard bytes.endIndex - start >= length + 1 else { return .needMore }
    guard bytes[start + length] == UInt8(ascii: ",") else { return .error(.missingTerminator) }
    return .frame(NetstringFrame(payload: start..<(start + length), end: start + length + 1))
}
#endif
