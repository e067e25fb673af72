import PreloadTesting
import Testing

@testable import PreloadCore

/// Mutated and random bytes never crash or hang the list decoders; whatever they accept is a valid list that
/// encodes to a fixed point.
@Suite("List decoders under random input")
struct ListFuzzTests {
    typealias S = ListTestSupport

    private static let interesting: [UInt8] = Array("{}[]\":,\\-.*0123456789eEtfnu \n\tazAZ".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xFF]

    private func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !b.isEmpty else { break }
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: b[i] = Self.interesting.randomElement(using: &rng)!
            case 1: b.insert(Self.interesting.randomElement(using: &rng)!, at: i)
            case 2: b.remove(at: i)
            case 3: b.removeSubrange(i...)
            default: b[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            }
        }
        return b
    }

    private func checkAccepted(_ result: ListDecoding) {
        guard let list = result.list else {
            #expect(result.issues.hasErrors)
            return
        }
        #expect(!result.issues.hasErrors)
        #expect(ListValidator.validate(list).filter { $0.severity == .error }.isEmpty)
        let canonical = ListCodec.encode(list)
        #expect(ListCodec.decode(canonical).list == list)
    }

    @Test func mutatedV1FilesNeverCrash() throws {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        let seeds = try S.examples("valid").map(S.bytes) + [ListCodec.encode(S.sampleList())]
        var accepted = 0
        for round in 0..<6000 {
            let input = mutate(seeds[round % seeds.count], &rng)
            let result = ListCodec.decode(input)
            if result.isValid { accepted += 1 }
            checkAccepted(result)
            _ = ListCodec.detectFormat(input)
        }
        // Some mutations (whitespace, letters inside names) keep a file valid; most do not.
        #expect(accepted > 0 && accepted < 6000)
    }

    @Test func mutatedEFFFilesNeverCrash() throws {
        var rng = SeededGenerator(seed: 0x5EED_0002)
        let small = Array("""
            {"timestamp": "2020-05-20T10:25:12.710034-07:00", "expires": 1591205112, "version": "0.1", "author": "x",
             "policy-aliases": {"p": {"mode": "testing", "mxs": [".mx.p.example", "MX.p.example"]}},
             "policies": {"a.example": {"policy-alias": "p"}, "b.example": {"mode": "enforce", "mxs": ["mx.b.example"]}}}
            """.utf8)
        #expect(EFFListConverter.importList(small).isValid)
        for _ in 0..<4000 {
            let input = mutate(small, &rng)
            let result = EFFListConverter.importList(input)
            checkAccepted(result)
            if let list = result.list { #expect(EFFListConverter.importList(EFFListConverter.export(list).bytes).list == list) }
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 0x5EED_0003)
        for _ in 0..<3000 {
            let n = Int.random(in: 0..<200, using: &rng)
            var input: [UInt8] = (0..<n).map { _ in
                Bool.random(using: &rng) ? Self.interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { input.insert(UInt8(ascii: "{"), at: 0) }
            #expect(!ListCodec.decode(input).isValid)
            _ = EFFListConverter.importList(input)
            _ = ListCodec.lint(input)
        }
    }
}

/// The byte-level fast paths of the decoder agree with `DomainName` and `MXPattern`, which stay the authority.
@Suite("List name fast paths")
struct ListNameFastPathTests {
    @Test func canonicalDomainCheckAgreesWithDomainName() {
        var rng = SeededGenerator(seed: 0x5EED_0004)
        let alphabet = Array("abcz09-.*A_".utf8)
        var samples = ["a.b", "example.com", "a.123", "1.2.3.4", "a-.b", "-a.b", "a..b", ".a.b", "a.b.", "ab", "xn--p1ai.xn--p1ai",
                       String(repeating: "a", count: 63) + ".b", String(repeating: "a", count: 64) + ".b", "*.a.b", "A.b", "a.b-c.0d"]
        for _ in 0..<20_000 {
            let n = Int.random(in: 1...12, using: &rng)
            samples.append(String(decoding: (0..<n).map { _ in alphabet.randomElement(using: &rng)! }, as: UTF8.self))
        }
        for s in samples {
            var text = s
            let fast = text.withUTF8(ListNames.isCanonicalDomain)
            let slow = (try? DomainName(s))?.value == s
            #expect(fast == slow, "\(s.debugDescription): fast \(fast), DomainName \(slow)")
            let fastPattern = text.withUTF8(ListNames.canonicalPattern)
            let slowPattern = (try? MXPattern(s)).flatMap { $0.description == s ? $0 : nil }
            #expect(fastPattern == slowPattern, "\(s.debugDescription)")
        }
    }

    @Test func patternOrderIsTheByteOrderOfTheText() {
        var rng = SeededGenerator(seed: 0x5EED_0005)
        let pool = ["*.a.example", "a.example", "*.b.example", "0.example", "a-b.example", "*.example.com", "mx.example.com", "z.z"]
            .map { try! MXPattern($0) }
        for _ in 0..<500 {
            let a = pool.randomElement(using: &rng)!
            let b = pool.randomElement(using: &rng)!
            #expect(ListCodec.patternLess(a, b) == Array(a.description.utf8).lexicographicallyPrecedes(Array(b.description.utf8)))
        }
    }
}
