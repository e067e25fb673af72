/// Reads SMTP replies (RFC 5321 §4.2) from a byte stream, within bounds.
struct SMTPReplyReader {
    /// What reading one reply gave.
    enum Event: Equatable {
        case reply(SMTPReply)
        case timeout
        case closed
        case garbage(String)
        case tooLong
        case failed(String)
    }

    /// The bounds: one line, lines per reply, bytes per reply.
    var limits: SMTPProbe.Limits

    /// Takes one complete reply out of `buffer` if it holds one; `nil` when more bytes are needed.
    /// Consumes nothing when it returns `nil`.
    func parse(_ buffer: inout [UInt8]) -> Event? {
        var lines: [String] = []
        var code = -1
        var start = 0
        while let newline = buffer[start...].firstIndex(of: 0x0A) {
            var end = newline
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            let line = Array(buffer[start..<end])
            start = newline + 1
            if line.count > limits.lineLength || start > limits.replySize { return .tooLong }
            guard line.count >= 3, line[0...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                line.count == 3 || line[3] == 0x20 || line[3] == 0x2D
            else { return .garbage(Self.printable(line)) }
            let lineCode = Int(line[0] - 0x30) * 100 + Int(line[1] - 0x30) * 10 + Int(line[2] - 0x30)
            if code >= 0, lineCode != code { return .garbage(Self.printable(line)) }
            code = lineCode
            lines.append(line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : "")
            if lines.count > limits.lines { return .tooLong }
            if line.count == 3 || line[3] == 0x20 {
                buffer.removeFirst(start)
                return .reply(SMTPReply(code: code, lines: lines))
            }
        }
        // The partial line is judged as it will be once complete: a CR that may precede its LF does not count,
        // so the verdict does not depend on how the stream was cut into reads.
        let partial = buffer.count - start - (buffer.last == 0x0D ? 1 : 0)
        if partial > limits.lineLength || buffer.count > limits.replySize { return .tooLong }
        return nil
    }

    /// Reads one reply from `connection` by `deadline`.
    func read(from connection: ProbeConnection, until deadline: Deadline) -> Event {
        while true {
            if let event = parse(&connection.buffer) { return event }
            switch connection.read(until: deadline) {
            case .data(let bytes): connection.buffer += bytes
            case .closed: return .closed
            case .timeout: return .timeout
            case .failed(let message): return .failed(message)
            }
        }
    }

    /// A line for a report: at most 200 characters, control bytes shown as `\xNN`.
    static func printable(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes.prefix(200) {
            if byte >= 0x20 && byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return text
    }
}
