import PreloadTesting
import Testing

@testable import PreloadCore

/// The streamed decoder (`ListCodec.decode(reading:)`, a window over the input) and the in-memory one
/// (`ListCodec.decode(_:)`) give the same list and the same findings for the same bytes, whatever the
/// sizes of the pieces the input arrives in and however small the window starts.
@Suite("List decoder, streamed vs in memory")
struct ListStreamingTests {
    typealias S = ListTestSupport

    /// Decodes `bytes` handed out `piece` bytes at a time into a window starting at `window` bytes.
    static func streamed(_ bytes: [UInt8], piece: Int, window: Int = 64) -> ListDecoding {
        var offset = 0
        return ListCodec.decode(reading: { buffer in
            let n = min(piece, buffer.count, bytes.count - offset)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { all in
                buffer.baseAddress!.copyMemory(from: all.baseAddress! + offset, byteCount: n)
            }
            offset += n
            return n
        }, windowCapacity: window)
    }

    static func expectSame(_ bytes: [UInt8], pieces: [Int] = [1, 2, 3, 7, 61, 4096], _ comment: Comment? = nil) {
        let reference = ListCodec.decode(bytes)
        for piece in pieces {
            let result = streamed(bytes, piece: piece)
            #expect(result.list == reference.list, "piece \(piece)", sourceLocation: #_sourceLocation)
            #expect(result.issues == reference.issues, "piece \(piece): \(comment?.rawValue ?? "")")
        }
    }

    @Test func examplesAndSamplesDecodeAlike() throws {
        var files: [[UInt8]] = []
        for folder in ["valid", "invalid", "invalid-semantic"] {
            files += try S.examples(folder).map(S.bytes)
        }
        files.append(ListCodec.encode(S.sampleList()))
        files.append(ListCodec.encode(S.syntheticList(count: 300)))
        files.append(try S.effBytes)  // not v1: many findings
        #expect(files.count > 10)
        for bytes in files { Self.expectSame(bytes) }
    }

    @Test func syntaxErrorsNameTheSameLineAndColumn() {
        // Errors deep in a file whose earlier bytes the streamed reader has already dropped.
        var bytes = ListCodec.encode(S.syntheticList(count: 200))
        let cut = bytes.count * 3 / 4
        for damage: [UInt8] in [Array("\u{1}".utf8), Array("é".utf8), Array("\\u12".utf8), Array("}".utf8), Array("1e".utf8)] {
            var b = bytes
            b.insert(contentsOf: damage, at: cut)
            let reference = ListCodec.decode(b)
            #expect(!reference.isValid)
            #expect(reference.issues.contains { $0.subject?.hasPrefix("line ") == true })
            Self.expectSame(b, pieces: [1, 5, 333])
        }
        bytes.removeLast(10)  // truncated
        Self.expectSame(bytes, pieces: [1, 4096])
    }

    @Test func escapesAndLongTokensAcrossPieceBoundaries() {
        // A long publisher with escapes, an unknown field holding a long nested value, long names.
        let longLabel = String(repeating: "a", count: 63)
        let text = """
            {"format": 1, "serial": 12, "generated": "2026-11-29T05:00:00Z", "expires": "2026-12-13T05:00:00Z",
             "publisher": "\\u0070ublisher \\"quoted\\" \\ud83d\\ude00 \(String(repeating: "x", count: 150))",
             "domains": {"\(longLabel).\(longLabel).\(longLabel).example": {"mode": "enforce", "mx": ["*.\(longLabel).example", "mx.\\u0061.example"],
               "provenance": {"method": "manual", "added": "2026-10-01T00:00:00Z", "verified": "2026-11-01T00:00:00Z"}}},
             "extra": {"a": [1, 2.5e3, -0, true, false, null, {"b": ["\(String(repeating: "y", count: 500))"]}]}}
            """
        let bytes = Array(text.utf8)
        #expect(ListCodec.decode(bytes).issues.contains { $0.subject == "$.extra" })
        Self.expectSame(bytes)
    }

    @Test func mutatedFilesDecodeAlike() throws {
        var rng = SeededGenerator(seed: 0x5EED_0101)
        let seeds = try S.examples("valid").map(S.bytes) + [ListCodec.encode(S.sampleList())]
        let interesting = Array("{}[]\":,\\-.*0123456789eEtfnu \n\tazAZ".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xFF]
        for round in 0..<1500 {
            var b = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !b.isEmpty {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b[i] = interesting.randomElement(using: &rng)!
                case 1: b.insert(interesting.randomElement(using: &rng)!, at: i)
                case 2: b.remove(at: i)
                default: b.removeSubrange(i...)
                }
            }
            Self.expectSame(b, pieces: [Int.random(in: 1...9, using: &rng), 512])
        }
    }
}
