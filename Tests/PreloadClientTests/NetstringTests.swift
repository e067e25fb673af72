import PreloadSocketmap
import Testing

private func parseAll(_ text: String, maxLength: Int = 100) throws(NetstringError) -> (payloads: [String], rest: Int) {
    let bytes = Array(text.utf8)
    let (payloads, consumed) = try Netstring.parseAll(bytes, maxLength: maxLength)
    return (payloads.map { String(decoding: $0, as: UTF8.self) }, bytes.count - consumed)
}

private func error(_ text: String, maxLength: Int = 100) -> NetstringError? {
    do {
        _ = try parseAll(text, maxLength: maxLength)
        return nil
    } catch {
        return error
    }
}

@Suite struct NetstringTests {
    @Test func completeAndPipelined() throws {
        #expect(try parseAll("19:postfix example.com,").payloads == ["postfix example.com"])
        #expect(try parseAll("3:abc,0:,1:x,").payloads == ["abc", "", "x"])
    }

    @Test func partialInputWaits() throws {
        for text in ["", "1", "19", "19:", "19:postfix", "19:postfix example.com"] {
            let r = try parseAll(text)
            #expect(r.payloads.isEmpty, "\(text)")
            #expect(r.rest == text.utf8.count, "nothing is consumed from '\(text)'")
        }
        let r = try parseAll("3:abc,2:d")
        #expect(r.payloads == ["abc"] && r.rest == 3)
    }

    @Test func bytesInsideThePayloadAreData() throws {
        #expect(try parseAll("5:a,b:c,").payloads == ["a,b:c"])
    }

    @Test func malformed() {
        #expect(error(":abc,") == .invalidLength)
        #expect(error("a:abc,") == .invalidLength)
        #expect(error("-1:a,") == .invalidLength)
        #expect(error(" 3:abc,") == .invalidLength)
        #expect(error("03:abc,") == .invalidLength)
        #expect(error("00:,") == .invalidLength)
        #expect(error("3:abcd") == .missingTerminator)
        #expect(error("3:abc;") == .missingTerminator)
        #expect(error("1:a,x") == .invalidLength)  // the second netstring is garbage
    }

    @Test func sizeLimit() {
        #expect(error("100:" + String(repeating: "a", count: 100) + ",", maxLength: 100) == nil)
        #expect(error("101:", maxLength: 100) == .tooLong(limit: 100))
        // Refused from the prefix alone, before any data is buffered.
        #expect(error("1000", maxLength: 100) == .tooLong(limit: 100))
        #expect(error("99999999999999999999999", maxLength: 100) == .tooLong(limit: 100))
    }

    @Test func encoding() {
        #expect(Netstring.encode("OK secure") == Array("9:OK secure,".utf8))
        #expect(Netstring.encode("NOTFOUND ") == Array("9:NOTFOUND ,".utf8))
        #expect(Netstring.encode("") == Array("0:,".utf8))
        #expect(Netstring.encode("é") == [UInt8(ascii: "2"), UInt8(ascii: ":"), 0xC3, 0xA9, UInt8(ascii: ",")])  // bytes, not characters
    }

    @Test func framesAreOffsetsIntoTheGivenBytes() throws {
        let bytes = Array("xx3:abc,1:d,".utf8)
        let first = try #require(try Netstring.parse(bytes[2...], maxLength: 10))
        #expect(first == NetstringFrame(payload: 4..<7, end: 8))
        let second = try #require(try Netstring.parse(bytes[first.end...], maxLength: 10))
        #expect(second == NetstringFrame(payload: 10..<11, end: 12))
        #expect(try Netstring.parse(bytes[second.end...], maxLength: 10) == nil)
        #expect(Netstring.digitCount(0) == 1 && Netstring.digitCount(9) == 1 && Netstring.digitCount(10) == 2
                && Netstring.digitCount(2048) == 4)
    }
}
