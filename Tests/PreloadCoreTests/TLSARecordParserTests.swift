import PreloadCore
import Testing

private func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(hex.utf8).filter { $0 != 0x20 }
    if chars.count % 2 == 1 { chars.append(0x30) }
    for i in stride(from: 0, to: chars.count, by: 2) {
        out.append(UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16)!)
    }
    return out
}

private let sha256 = "d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971"
private let sha512 = "92003ba34942dc74152e2f2c408d29eca5a520e7f2e06bb944f4dca346baf63c"
    + "1b177615d466f6c4b71c216a50292bd58c9ebdd2f74e38fe51ffd48c43326cbc"

private func malformed<T>(_ result: Result<T, TLSAMalformed>) -> TLSAMalformed? {
    if case .failure(let refusal) = result { return refusal }
    return nil
}

@Suite struct TLSARecordParserTests {
    // RFC 6698 §2.3, the first two examples.
    @Test func rfc6698Examples() throws {
        let first = try TLSARecordParser.parse(text: "0 0 1 d2abde240d7cd3ee6b4b28c54df034b9\n 7983a1d16e8a410e4561cb106618e971").get()
        #expect(first.usage == .pkixTA && first.selector == .certificate && first.matchingType == .sha256)
        #expect(first.dataHex == sha256)
        #expect(!first.isUsableForSMTP)
        let second = try TLSARecordParser.parse(text: "1 1 2 \(sha512.uppercased())").get()
        #expect(second.usage == .pkixEE && second.selector == .subjectPublicKeyInfo && second.matchingType == .sha512)
        #expect(second.data == bytes(sha512))
    }

    @Test func wireAndTextAgree() throws {
        let rdata: [UInt8] = [3, 1, 1] + bytes(sha256)
        let wire = try TLSARecordParser.parse(rdata: rdata).get()
        let text = try TLSARecordParser.parse(text: "3 1 1 \(sha256)").get()
        #expect(wire == text)
        #expect(wire.rdata == rdata)
        #expect(wire.text == "3 1 1 \(sha256)")
        #expect(wire.isUsableForSMTP && wire.unusableReason == nil)
        #expect(try TLSARecordParser.parse(text: wire.text).get() == wire)
    }

    @Test func mnemonicsOfRFC7218() throws {
        let record = try TLSARecordParser.parse(text: "DANE-EE SPKI SHA2-256 \(sha256)").get()
        #expect(record.usage == .daneEE && record.selector == .subjectPublicKeyInfo && record.matchingType == .sha256)
        #expect(try TLSARecordParser.parse(text: "dane-ta cert sha2-512 \(sha512)").get().usage == .daneTA)
    }

    @Test(arguments: [
        [UInt8](), [3], [3, 1], [3, 1, 1],  // truncated, no data
        [3, 1, 1] + [UInt8](repeating: 0xAB, count: 31),  // SHA-256 one byte short
        [3, 1, 1] + [UInt8](repeating: 0xAB, count: 33),
        [2, 0, 2] + [UInt8](repeating: 0xAB, count: 32),  // SHA-512 of SHA-256's length
        [3, 1, 0, 0x04, 0x02, 0x00, 0x00],  // "full" data that is not a SEQUENCE
        [3, 0, 0, 0x30, 0x05, 0x00],  // a SEQUENCE whose length overruns the data
        [3, 0, 0, 0x30, 0x01, 0x00, 0x00],  // ... or does not fill it
        [3, 1, 0, 0x30, 0x81, 0x01, 0x00],  // long form for a short length (not DER)
        [3, 1, 0, 0x30, 0x80, 0x00, 0x00],  // indefinite length (BER only)
    ])
    func malformedRDATA(rdata: [UInt8]) {
        let refusal = malformed(TLSARecordParser.parse(rdata: rdata))
        #expect(refusal != nil, "\(rdata)")
        #expect(refusal?.issue(owner: "_25._tcp.mx.example.com").code == "dane.tlsa-malformed")
        #expect(refusal?.issue(owner: nil).severity == .warning)
    }

    @Test(arguments: [
        "", "3 1 1", "3 1 1 ", "256 1 1 \(sha256)", "3 -1 1 \(sha256)", "3 1 x \(sha256)", "3 1 1 \(sha256)0",
        "3 1 1 \(sha256.dropLast(2))zz", "03x 1 1 \(sha256)", "DANE-XX 1 1 \(sha256)", "3 1 1 \(sha512)",
    ])
    func malformedText(text: String) {
        #expect(malformed(TLSARecordParser.parse(text: text)) != nil, "\(text)")
    }

    @Test func derSequencesOfEveryLengthForm() throws {
        let short: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x05]
        #expect(try TLSARecordParser.parse(rdata: [3, 1, 0] + short).get().data == short)
        let long: [UInt8] = [0x30, 0x81, 0x80] + [UInt8](repeating: 0, count: 0x80)
        #expect(throws: Never.self) { try TLSARecordParser.parse(rdata: [3, 0, 0] + long).get() }
        let longer: [UInt8] = [0x30, 0x82, 0x01, 0x00] + [UInt8](repeating: 0, count: 0x100)
        #expect(throws: Never.self) { try TLSARecordParser.parse(rdata: [2, 0, 0] + longer).get() }
    }

    @Test func unknownParametersAreUnusableNotMalformed() throws {
        // RFC 6698 §4.1: ignored, not refused. A digest length is checked only for known matching types.
        let cases: [([UInt8], String)] = [
            ([4, 1, 1] + bytes(sha256), "usage 4"), ([3, 2, 1] + bytes(sha256), "selector 2"),
            ([3, 1, 3, 0xAB], "matching type 3"), ([255, 1, 1] + bytes(sha256), "usage 255"),
            ([0, 0, 1] + bytes(sha256), "PKIX-TA"), ([1, 1, 1] + bytes(sha256), "PKIX-EE"),
        ]
        for (rdata, why) in cases {
            let record = try TLSARecordParser.parse(rdata: rdata).get()
            #expect(!record.isUsableForSMTP, "\(why)")
            #expect(record.unusableReason != nil, "\(why)")
            #expect(record.rdata == rdata)
        }
        // The unknown selector with a full matching type is not checked as DER either.
        #expect(throws: Never.self) { try TLSARecordParser.parse(rdata: [3, 7, 0, 0x01]).get() }
    }

    @Test func aRRsetOfOnlyPKIXUsagesIsUnusable() {
        let set = TLSARRset(owner: "_25._tcp.mx1.pkix.example", rdata: [[1, 1, 1] + bytes(sha256), [0, 0, 1] + bytes(sha256)])
        #expect(!set.isUsable)
        #expect(set.ignored.count == 2)
        #expect(set.issues.map(\.code) == ["dane.tlsa-unusable"])
        #expect(set.issues.first?.subject == "_25._tcp.mx1.pkix.example")
    }

    @Test func malformedRecordsBesideAUsableOne() {
        let good = [3, 1, 1] + bytes(sha256)
        let set = TLSARRset(owner: "_25._tcp.mx", rdata: [[3, 1, 1, 0xAB], good, good])
        #expect(set.usable.map(\.rdata) == [good])  // duplicates removed
        #expect(set.issues.map(\.code) == ["dane.tlsa-malformed"])
        let onlyBad = TLSARRset(owner: "_25._tcp.mx", rdata: [[3, 1, 1, 0xAB]])
        #expect(onlyBad.issues.map(\.code) == ["dane.tlsa-malformed", "dane.tlsa-unusable"])
    }

    @Test func rolloverNeedsANextRecordOrATrustAnchor() throws {
        let current = [3, 1, 1] + bytes(sha256)
        let next = [3, 1, 1] + bytes(String(sha256.reversed()))
        let ca = [2, 1, 1] + bytes(String(sha256.reversed()))
        let currentRecord = try TLSARecordParser.parse(rdata: current).get()
        let alone = TLSARRset(owner: "_25._tcp.mx", rdata: [current])
        #expect(alone.rolloverIssue(matchedNow: [currentRecord])?.code == "dane.no-rollover")
        #expect(TLSARRset(owner: "_25._tcp.mx", rdata: [current, next]).rolloverIssue(matchedNow: [currentRecord]) == nil)
        #expect(TLSARRset(owner: "_25._tcp.mx", rdata: [current, ca]).rolloverIssue(matchedNow: [currentRecord]) == nil)
        // A lone DANE-TA record survives a new leaf from the same CA.
        let caRecord = try TLSARecordParser.parse(rdata: ca).get()
        #expect(TLSARRset(owner: "_25._tcp.mx", rdata: [ca]).rolloverIssue(matchedNow: [caRecord]) == nil)
        // Nothing matched: that is a mismatch, not a rollover finding.
        #expect(alone.rolloverIssue(matchedNow: []) == nil)
    }

    @Test func everyDANECodeIsCatalogued() {
        for code in ["dane.tlsa-mismatch", "dane.tlsa-bogus", "dane.tlsa-unusable", "dane.tlsa-malformed", "dane.no-rollover",
                     "dane.ta-name-mismatch", "dane.partial-coverage", "dane.mx-insecure", "dane.host-insecure",
                     "dane.not-listable"] as [IssueCode] {
            #expect(code.entry != nil, "\(code)")
        }
        #expect(IssueCode("dane.tlsa-mismatch").entry?.severity == .error)
        #expect(IssueCode("dane.tlsa-bogus").entry?.severity == .error)
        #expect(IssueCode("dane.tlsa-unusable").entry?.severity == .warning)
        #expect(IssueCode("dane.no-rollover").entry?.severity == .warning)
        #expect(IssueCode("dane.mx-insecure").entry?.severity == .info)
    }
}
