import PreloadCore
@testable import PreloadSMTPProbe

/// SMTP replies (RFC 5321 §4.2) as an MX server sends them, under small limits so the fuzzer reaches them.
/// Input: one byte choosing how the stream is cut into reads, then the stream. Every reply taken consumes
/// exactly its own lines, which a reference reader accepts; "need more" consumes nothing; and cutting the
/// stream into different reads gives the same replies and the same final verdict.
@Sendable func fuzzSMTPReply(_ input: [UInt8]) {
    guard let first = input.first else { return }
    // The limits below make anything past 2 KiB repeat what came before; reading it byte by byte would
    // only slow the search.
    let stream = Array(input.dropFirst().prefix(2048))
    let reader = SMTPReplyReader(limits: SMTPProbe.Limits(lineLength: 64, lines: 8, replySize: 512))
    let whole = events(reader, stream, chunk: max(stream.count, 1))
    let chunked = events(reader, stream, chunk: Int(first % 17) + 1)
    require(whole == chunked, "reads of \(Int(first % 17) + 1) bytes give \(chunked), one read gives \(whole)")
}

/// Feeds `stream` in reads of `chunk` bytes, taking every reply as soon as it is complete; stops at the
/// first event that is not a reply.
private func events(_ reader: SMTPReplyReader, _ stream: [UInt8], chunk: Int) -> [SMTPReplyReader.Event] {
    var buffer: [UInt8] = []
    var out: [SMTPReplyReader.Event] = []
    var offset = 0
    var taken = 0
    while offset < stream.count {
        buffer += stream[offset..<min(offset + chunk, stream.count)]
        offset += chunk
        while true {
            // The buffer is the stream from `taken` on; `parse` only ever drops a prefix of it, so the
            // count tells what was consumed (comparing contents would make every read quadratic).
            let before = buffer.count
            guard let event = reader.parse(&buffer) else {
                require(buffer.count == before, "'need more' consumed bytes")
                break
            }
            out.append(event)
            guard case .reply(let reply) = event else { return out }
            require(before > buffer.count, "a reply that consumed nothing")
            let consumed = Array(stream[taken..<(taken + before - buffer.count)])
            taken += before - buffer.count
            let read = min(offset, stream.count)
            require(buffer.count == read - taken && buffer.first == (taken < read ? stream[taken] : nil),
                    "the buffer is not what follows the reply")
            checkReply(reply, consumed, reader.limits)
        }
    }
    return out
}

/// The reference reading of the bytes a reply consumed: LF-terminated lines (CR before LF dropped), each
/// `DDD-text` but the last, which is `DDD text` or `DDD`; one code; within the limits.
private func checkReply(_ reply: SMTPReply, _ consumed: [UInt8], _ limits: SMTPProbe.Limits) {
    require(consumed.last == 0x0A && consumed.count <= limits.replySize, "reply bytes end without LF or too many")
    let lines = consumed.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
        line.last == 0x0D ? Array(line.dropLast()) : Array(line)
    }
    require(lines.count == reply.lines.count && lines.count <= limits.lines, "\(lines.count) lines, reply has \(reply.lines.count)")
    for (i, line) in lines.enumerated() {
        require(line.count >= 3 && line.count <= limits.lineLength, "line length \(line.count)")
        let code = line[0..<3].reduce(0) { $0 * 10 + Int($1) - 0x30 }
        require(line[0..<3].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && code == reply.code, "line code vs reply \(reply.code)")
        let last = i == lines.count - 1
        require(last ? (line.count == 3 || line[3] == 0x20) : (line.count > 3 && line[3] == 0x2D), "separator of line \(i)")
        require(String(decoding: line.dropFirst(4), as: UTF8.self) == reply.lines[i], "text of line \(i)")
    }
}

