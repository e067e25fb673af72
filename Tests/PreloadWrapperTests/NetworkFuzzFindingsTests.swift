@testable import PreloadSMTPProbe
import Testing

/// Inputs found by the fuzz harnesses (`tools/fuzz`, Tests/Fuzz) in the network parsers, each kept with the
/// property it broke. The same inputs are in the harness's seed corpus, so every fuzz run replays them too.
@Suite struct NetworkFuzzFindingsTests {
    /// Every event `parse` gives for `stream` read `chunk` bytes at a time, up to the first that is not a reply.
    private func events(_ stream: [UInt8], chunk: Int, limits: SMTPProbe.Limits) -> [SMTPReplyReader.Event] {
        let reader = SMTPReplyReader(limits: limits)
        var buffer: [UInt8] = []
        var out: [SMTPReplyReader.Event] = []
        var offset = 0
        while offset < stream.count {
            buffer += stream[offset..<min(offset + chunk, stream.count)]
            offset += chunk
            while let event = reader.parse(&buffer) {
                out.append(event)
                guard case .reply = event else { return out }
            }
        }
        return out
    }

    /// `smtp-reply`: a line of exactly the longest allowed length was refused as too long while its CR had
    /// arrived and its LF had not, so the verdict depended on how the server's bytes were cut into reads.
    @Test func aLineAtTheLimitIsJudgedTheSameWhateverTheReads() {
        // The harness's input: one byte choosing 1-byte reads (0x22 % 17 + 1 = 1 byte), then the stream.
        let input: [UInt8] = [0x22] + Array("433\r\n433".utf8) + [UInt8](repeating: 0xFF, count: 61) + [0x0D, 0x0A, 0x05, 0xFF, 0x05, 0xFF, 0xBF]
        let stream = Array(input.dropFirst())
        let limits = SMTPProbe.Limits(lineLength: 64, lines: 8, replySize: 512)
        let whole = events(stream, chunk: stream.count, limits: limits)
        #expect(whole.count == 2)
        #expect(whole.first == .reply(SMTPReply(code: 433, lines: [""])))
        #expect(events(stream, chunk: 1, limits: limits) == whole)

        // The same with a well-formed line: 64 bytes, its CR read before its LF.
        let line = "250 " + String(repeating: "x", count: 60)
        var buffer = Array((line + "\r").utf8)
        #expect(SMTPReplyReader(limits: limits).parse(&buffer) == nil)
        buffer += [0x0A]
        #expect(SMTPReplyReader(limits: limits).parse(&buffer) == .reply(SMTPReply(code: 250, lines: [String(repeating: "x", count: 60)])))
        // One byte more is too long, with or without the CR.
        var long = Array((line + "y\r").utf8)
        #expect(SMTPReplyReader(limits: limits).parse(&long) == .tooLong)
    }
}
