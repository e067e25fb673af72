@testable import PreloadDNS
import Testing
import PreloadCore
@testable import PreloadSMTPProbe

/// The pure parts of the network layer: RDATA decoding and SMTP reply reading, on hand-made bytes.
@Suite struct NetworkParsingTests {
    @Test func mxRDATA() throws {
        let rdata: [UInt8] = [0, 10, 2] + Array("mx".utf8) + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
        #expect(MXRecord(rdata: rdata) == MXRecord(preference: 10, exchange: "mx.example.com"))
        #expect(MXRecord(rdata: [0, 0, 0]) == MXRecord(preference: 0, exchange: "."))
        #expect(MXRecord(rdata: [0, 0, 0])?.isNull == true)
        #expect(MXRecord(rdata: [0, 10, 5, 0x61]) == nil)  // label runs past the end
        #expect(MXRecord(rdata: [0, 10, 0xC0, 0x0C]) == nil)  // compression pointers are not expected
        #expect(MXRecord(rdata: [0, 1, 3, 0x61, 0x2E, 0x20, 0])?.exchange == "a\\.\\032")
    }

    @Test func txtRDATA() throws {
        let record = try #require(TXTRecord(rdata: [7] + Array("v=STSv1".utf8) + [6] + Array(";id=1;".utf8) + [0]))
        #expect(record.strings.count == 3)
        #expect(record.joined == "v=STSv1;id=1;")
        #expect(record.isASCII)
        #expect(TXTRecord(rdata: [5, 0x61]) == nil)
        #expect(TXTRecord(rdata: [1, 0xFF])?.isASCII == false)
    }

    @Test func addressRDATA() {
        #expect(ARecord(rdata: [192, 0, 2, 1])?.address == "192.0.2.1")
        #expect(ARecord(rdata: [1, 2, 3]) == nil)
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        #expect(AAAARecord(rdata: v6)?.address == "2001:db8::1")
        #expect(AAAARecord(rdata: [UInt8](repeating: 0, count: 15) + [1])?.address == "::1")
        #expect(AAAARecord(rdata: [0, 1] + [UInt8](repeating: 0, count: 12) + [0, 1])?.address == "1::1")
        #expect(AAAARecord(rdata: [0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4])?.address == "1:0:2::3:0:4")
        #expect(AAAARecord(rdata: [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 1])?.address
            == "::ffff:192.0.2.1")
    }

    @Test func tlsaRDATA() {
        let record = TLSARecord(rdata: [3, 1, 1, 0xAB, 0x01])
        #expect(record == TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [0xAB, 0x01]))
        #expect(record?.dataHex == "ab01")
        #expect(TLSARecord(rdata: [3, 1]) == nil)
    }

    private func parse(_ text: String, limits: SMTPProbe.Limits = .init()) -> SMTPReplyReader.Event? {
        var buffer = Array(text.utf8)
        return SMTPReplyReader(limits: limits).parse(&buffer)
    }

    @Test func multiLineReply() {
        #expect(parse("250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
            == .reply(SMTPReply(code: 250, lines: ["mx.example", "PIPELINING", "STARTTLS"])))
        #expect(parse("220\r\n") == .reply(SMTPReply(code: 220, lines: [""])))
        #expect(parse("220 bare LF\n") == .reply(SMTPReply(code: 220, lines: ["bare LF"])))
    }

    @Test func incompleteReplyWaitsAndConsumesNothing() {
        var buffer = Array("250-first\r\n250 sec".utf8)
        #expect(SMTPReplyReader(limits: .init()).parse(&buffer) == nil)
        #expect(buffer.count == 18)
    }

    @Test func replyLeavesFollowingBytes() {
        var buffer = Array("220 go\r\nEXTRA".utf8)
        #expect(SMTPReplyReader(limits: .init()).parse(&buffer) == .reply(SMTPReply(code: 220, lines: ["go"])))
        #expect(buffer == Array("EXTRA".utf8))
    }

    @Test func garbage() {
        #expect(parse("HTTP/1.1 400 Bad Request\r\n") == .garbage("HTTP/1.1 400 Bad Request"))
        #expect(parse("220-a\r\n250 b\r\n") == .garbage("250 b"))  // mixed codes
        #expect(parse("22 short\r\n") == .garbage("22 short"))
        #expect(parse("220xno separator\r\n") == .garbage("220xno separator"))
        #expect(parse("\u{0}\u{1}\r\n") == .garbage("\\x00\\x01"))
    }

    @Test func bounds() {
        let limits = SMTPProbe.Limits(lineLength: 20, lines: 3, replySize: 60)
        #expect(parse("220 " + String(repeating: "x", count: 30) + "\r\n", limits: limits) == .tooLong)
        #expect(parse("220 " + String(repeating: "x", count: 30), limits: limits) == .tooLong)  // no line end yet
        #expect(parse(String(repeating: "220-a\r\n", count: 4), limits: limits) == .tooLong)
        let sized = SMTPProbe.Limits(lineLength: 20, lines: 10, replySize: 60)
        #expect(parse(String(repeating: "220-aaaaaaaaaaaaaaa\r\n", count: 3), limits: sized) == .tooLong)
        #expect(parse(String(repeating: "220-aaaaaaaaaaaaaaa\r\n", count: 2) + "220 end\r\n", limits: sized)
            == .reply(SMTPReply(code: 220, lines: ["aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaa", "end"])))
        #expect(parse("220-a\r\n220 b\r\n", limits: limits) == .reply(SMTPReply(code: 220, lines: ["a", "b"])))
    }

    @Test func tlsVersions() {
        #expect(TLSProtocolVersion(wire: 0x0303) == .tls1_2)
        #expect(TLSProtocolVersion.tls1_3.isAtLeastTLS12)
        #expect(!TLSProtocolVersion.tls1_1.isAtLeastTLS12)
        #expect(TLSProtocolVersion(wire: 0x7F1C) == .other(0x7F1C))
        #expect(!TLSProtocolVersion(wire: 0xFEFD).isAtLeastTLS12)  // DTLS 1.2 is not TLS
    }
}
