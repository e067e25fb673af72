import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// RFC 8461 §3.2: the policy body.
@Suite struct STSPolicyParserTests {
    /// RFC 8461 §3.2's example policy.
    static let rfcExample = Examples.rfc8461Policy

    private func codes(_ r: STSPolicyResult) -> [IssueCode] { r.issues.map(\.code) }

    /// A policy with the given lines, LF-terminated.
    private func parse(_ lines: String...) -> STSPolicyResult { STSPolicyParser.parse(lines.joined(separator: "\n") + "\n") }

    @Test func rfcExample() throws {
        let r = STSPolicyParser.parse(Self.rfcExample)
        let policy = try #require(r.policy)
        #expect(r.issues.isEmpty)
        #expect(policy.version == "STSv1")
        #expect(policy.mode == .enforce)
        #expect(policy.maxAge == 604800)
        #expect(policy.mx.map(\.description) == ["mail.example.com", "*.example.net", "backupmx.example.com"])
    }

    @Test func lineTerminators() {
        let lf = STSPolicyParser.parse(Self.rfcExample)
        for body in [
            Self.rfcExample + "\n",
            Self.rfcExample.replacingOccurrences(of: "\n", with: "\r\n"),  // erratum 6253
            Self.rfcExample.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n",
            "version: STSv1\r\nmode: enforce\nmx: mail.example.com\r\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\r\n",
        ] {
            let r = STSPolicyParser.parse(body)
            #expect(r.policy == lf.policy)
            #expect(r.issues.isEmpty)
        }
        // A lone CR is not a terminator.
        let cr = STSPolicyParser.parse(Self.rfcExample.replacingOccurrences(of: "\n", with: "\r"))
        #expect(cr.policy == nil)
        #expect(codes(cr).contains("mta-sts.policy-non-ascii"))
    }

    @Test func whitespaceRules() throws {
        let ok = parse("version:STSv1", "mode:\t  enforce  ", "mx: mail.example.com\t", "max_age:604800 ")
        #expect(ok.policy?.mode == .enforce)
        #expect(ok.issues.isEmpty)
        let leading = parse(" version: STSv1", "mode: enforce", "mx: mail.example.com", "max_age: 604800")
        #expect(leading.policy == nil)
        #expect(codes(leading).contains("mta-sts.policy-line-invalid"))
        let spaceBeforeColon = parse("version: STSv1", "mode : enforce", "mx: mail.example.com", "max_age: 604800")
        #expect(spaceBeforeColon.policy == nil)
        #expect(codes(spaceBeforeColon).contains("mta-sts.policy-line-invalid"))
    }

    @Test func keysAndValuesAreCaseSensitive() {
        let mode = parse("version: STSv1", "mode: Enforce", "mx: mail.example.com", "max_age: 604800")
        #expect(mode.policy == nil)
        #expect(codes(mode) == ["mta-sts.policy-mode"])
        let version = parse("Version: STSv1", "mode: enforce", "mx: mail.example.com", "max_age: 604800")
        #expect(version.policy == nil)
        #expect(codes(version) == ["mta-sts.policy-unknown-key", "mta-sts.policy-version"])
        let value = parse("version: stsv1", "mode: enforce", "mx: mail.example.com", "max_age: 604800")
        #expect(codes(value) == ["mta-sts.policy-version"])
        let v2 = parse("version: STSv2", "mode: enforce", "mx: mail.example.com", "max_age: 604800")
        #expect(codes(v2) == ["mta-sts.policy-version"])
    }

    @Test func requiredFields() {
        #expect(codes(parse("mode: enforce", "mx: a.example.com", "max_age: 1000000")) == ["mta-sts.policy-version"])
        #expect(codes(parse("version: STSv1", "mx: a.example.com", "max_age: 1000000")) == ["mta-sts.policy-mode"])
        #expect(codes(parse("version: STSv1", "mode: enforce", "mx: a.example.com")) == ["mta-sts.policy-max-age"])
        let empty = STSPolicyParser.parse("")
        #expect(empty.policy == nil)
        #expect(Set(codes(empty)) == ["mta-sts.policy-invalid", "mta-sts.policy-version", "mta-sts.policy-mode", "mta-sts.policy-max-age"])
    }

    @Test func mxIsRequiredUnlessModeIsNone() throws {
        #expect(codes(parse("version: STSv1", "mode: enforce", "max_age: 604800")) == ["mta-sts.policy-mx-missing"])
        #expect(codes(parse("version: STSv1", "mode: testing", "max_age: 604800")) == ["mta-sts.policy-mx-missing"])
        let none = parse("version: STSv1", "mode: none", "max_age: 604800")
        #expect(try #require(none.policy).mx.isEmpty)
        #expect(none.issues.isEmpty)
        #expect(parse("version: STSv1", "mode: none", "mx: a.example.com", "max_age: 604800").policy?.mx.count == 1)
    }

    @Test(arguments: [
        ("0", 0), ("86400", 86400), ("604800", 604800), ("31557600", 31_557_600), ("0000604800", 604800),
    ])
    func maxAgeAccepted(text: String, value: Int) {
        let r = parse("version: STSv1", "mode: enforce", "mx: a.example.com", "max_age: \(text)")
        #expect(r.policy?.maxAge == value)
        #expect(codes(r) == (value < 86400 ? ["mta-sts.policy-max-age-short"] : []))
    }

    @Test(arguments: [
        "31557601",  // erratum 7282: above the cap is invalid
        "99999999999999999999999999999999999999",  // far beyond Int, must not overflow
        "00000604800",  // eleven digits
        "-1", "+604800", "1e6", "604800s", "6048 00", "0x10", "", "٣",
    ])
    func maxAgeRejected(text: String) {
        let r = parse("version: STSv1", "mode: enforce", "mx: a.example.com", "max_age: \(text)")
        #expect(r.policy == nil)
        #expect(codes(r) == ["mta-sts.policy-max-age"])
    }

    @Test(arguments: [
        "mail.example.com", "*.example.com", "MAIL.Example.COM", "xn--bcher-kva.example", "a-b.example.co.uk",
    ])
    func mxAccepted(value: String) {
        let r = parse("version: STSv1", "mode: enforce", "mx: \(value)", "max_age: 604800")
        #expect(r.policy?.mx.first?.description == value.lowercased())
    }

    @Test(arguments: [
        "bücher.example",  // U-labels are invalid
        "mail.example.com.",  // no trailing dot in the ABNF
        ".example.com",  // EFF-style suffix
        "mail.*.example.com", "*.*.example.com", "*example.com", "*.com", "*", "", "localhost", "192.0.2.1",
        "[192.0.2.1]", "mail_1.example.com", "-mail.example.com", "mail.example.com mail2.example.com",
    ])
    func mxRejected(value: String) {
        let r = parse("version: STSv1", "mode: enforce", "mx: \(value)", "mx: good.example.com", "max_age: 604800")
        #expect(r.policy == nil)
        #expect(codes(r) == ["mta-sts.policy-mx-invalid"])
    }

    @Test func duplicateKeysFirstWins() throws {
        let r = parse("version: STSv1", "mode: enforce", "mode: testing", "mx: a.example.com", "max_age: 604800", "max_age: 5", "version: STSv9")
        let policy = try #require(r.policy)
        #expect(policy.mode == .enforce)
        #expect(policy.maxAge == 604800)
        #expect(codes(r) == Array(repeating: "mta-sts.policy-duplicate-key", count: 3))
        #expect(r.issues.allSatisfy { $0.severity == .warning })
        // The first wins even when it is the bad one.
        let bad = parse("version: STSv1", "mode: Enforce", "mode: enforce", "mx: a.example.com", "max_age: 604800")
        #expect(bad.policy == nil)
        #expect(codes(bad) == ["mta-sts.policy-mode", "mta-sts.policy-duplicate-key"])
        // mx repeats by design.
        let mx = parse("version: STSv1", "mode: enforce", "mx: a.example.com", "mx: b.example.com", "max_age: 604800")
        #expect(mx.policy?.mx.count == 2)
        #expect(mx.issues.isEmpty)
    }

    @Test func unknownKeysAreIgnored() throws {
        let r = parse("version: STSv1", "comment: hello world", "mode: enforce", "x-note: café ☕", "1.a_b-c: !", "mx: a.example.com", "max_age: 604800")
        #expect(try #require(r.policy).mode == .enforce)
        #expect(codes(r) == Array(repeating: "mta-sts.policy-unknown-key", count: 3))
        #expect(r.issues.allSatisfy { $0.severity == .info })
    }

    @Test(arguments: ["comment:", "comment:   ", "comment: a\tb", "-x: y", "_x: y", "max age: 5", "no colon here", "a234567890123456789012345678901234: 1", "ké: v"])
    func malformedLines(line: String) {
        let r = parse("version: STSv1", "mode: enforce", "mx: a.example.com", "max_age: 604800", line)
        #expect(r.policy == nil)
        #expect(codes(r) == ["mta-sts.policy-line-invalid"])
    }

    @Test func blankLinesAreAWarning() throws {
        let r = parse("version: STSv1", "", "mode: enforce", "mx: a.example.com", "max_age: 604800", "")
        #expect(try #require(r.policy).mode == .enforce)
        #expect(codes(r) == ["mta-sts.policy-blank-line", "mta-sts.policy-blank-line"])
        #expect(r.issues.map(\.subject) == ["line 2", "line 6"])
    }

    @Test func nonASCIIAndControlBytes() {
        let invalidUTF8 = STSPolicyParser.parse(bytes: Array("version: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 604800\nx: ".utf8) + [0xC3, 0x28])
        #expect(invalidUTF8.policy == nil)
        #expect(codes(invalidUTF8) == ["mta-sts.policy-non-ascii"])
        let nul = parse("version: STSv1", "mode: enforce\u{0}", "mx: a.example.com", "max_age: 604800")
        #expect(codes(nul).contains("mta-sts.policy-non-ascii"))
    }

    @Test func modeTestingAndShortMaxAgeAreWarnings() throws {
        let r = parse("version: STSv1", "mode: testing", "mx: a.example.com", "max_age: 3600")
        #expect(try #require(r.policy).mode == .testing)
        #expect(codes(r) == ["mta-sts.policy-max-age-short", "mta-sts.policy-mode-testing"])
    }

    @Test func bounds() throws {
        // Exactly 64 KiB is read; one byte more is refused.
        let head = "version: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 604800\n"
        let filler = "x: " + String(repeating: "y", count: 60) + "\n"  // 64 bytes
        var body = head + String(repeating: filler, count: (STSPolicyParser.maxBodyBytes - head.utf8.count - 200) / 64)
        body += "z: " + String(repeating: "w", count: STSPolicyParser.maxBodyBytes - body.utf8.count - 3)
        #expect(body.utf8.count == STSPolicyParser.maxBodyBytes)
        #expect(STSPolicyParser.parse(body).policy != nil)
        let tooLarge = STSPolicyParser.parse(body + "w")
        #expect(tooLarge.policy == nil)
        #expect(codes(tooLarge) == ["mta-sts.policy-too-large"])
        // A line past the limit.
        let longLine = parse("version: STSv1", "mode: enforce", "mx: a.example.com", "max_age: 604800", "x: " + String(repeating: "y", count: 2000))
        #expect(longLine.policy == nil)
        #expect(codes(longLine) == ["mta-sts.policy-limit-exceeded"])
        // 1000 mx lines are fine, 1001 are not.
        let mx1000 = (0..<1000).map { "mx: mx\($0).example.com" }.joined(separator: "\n")
        let ok = STSPolicyParser.parse("version: STSv1\nmode: enforce\nmax_age: 604800\n" + mx1000)
        #expect(try #require(ok.policy).mx.count == 1000)
        let tooMany = STSPolicyParser.parse("version: STSv1\nmode: enforce\nmax_age: 604800\n" + mx1000 + "\nmx: one-more.example.com\nmx: two.example.com")
        #expect(tooMany.policy == nil)
        #expect(codes(tooMany) == ["mta-sts.policy-limit-exceeded"])
    }

    @Test func everyCodeIsInTheCatalogueAtItsSeverity() {
        let bodies = [
            "", "\n", "version: STSv2\nmode: x\nmax_age: -1\nmx: bad..name\n y\nfoo\nVersion: a\n\nmode: none\nx: \u{1}",
            "version: STSv1\nmode: testing\nmax_age: 1\nmx: a.example.com\nmode: enforce",
        ]
        for body in bodies {
            for issue in STSPolicyParser.parse(body).issues {
                #expect(issue.code.entry?.severity == issue.severity, "\(issue.code)")
            }
        }
    }

    @Test func randomInputsNeverCrashAndAlwaysExplainThemselves() {
        var rng = SeededGenerator(seed: 6253)
        let seeds = [
            Array(Self.rfcExample.utf8), Array("version: STSv1\r\nmode: none\r\nmax_age: 0\r\nfoo: bar baz\r\n".utf8),
        ]
        var valid = 0
        for round in 0..<6000 {
            let body: [UInt8]
            switch round % 4 {
            case 0: body = Fuzz.mutate(seeds.randomElement(using: &rng)!, using: &rng)
            case 1: body = Fuzz.bytes(Int.random(in: 0...200, using: &rng), using: &rng)
            case 2: body = Self.shuffleLines(Self.rfcExample, using: &rng)
            default:
                var lines = seeds[0]
                for _ in 0..<Int.random(in: 1...10, using: &rng) { lines = Fuzz.mutate(lines, using: &rng) }
                body = lines
            }
            let r = STSPolicyParser.parse(bytes: body)
            if let policy = r.policy {
                valid += 1
                #expect(!r.issues.hasErrors, "seed 6253 round \(round)")
                #expect((0...STSPolicyParser.maxAgeLimit).contains(policy.maxAge))
                #expect(policy.mode == .none || !policy.mx.isEmpty)
                #expect(policy.version == "STSv1")
            } else {
                #expect(r.issues.hasErrors, "seed 6253 round \(round)")
            }
            #expect(r.issues.allSatisfy { $0.code.entry?.severity == $0.severity })
        }
        #expect(valid > 1000 && valid < 5000, "\(valid) valid of 6000: the generator must reach both outcomes")
    }

    /// A structure-aware mutation that often keeps the policy valid: lines reordered, repeated, or
    /// joined by other terminators, extension lines and whitespace added.
    static func shuffleLines(_ body: String, using rng: inout SeededGenerator) -> [UInt8] {
        var lines = body.split(separator: "\n").map(String.init)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = Int.random(in: 0..<lines.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &rng))
            case 1: lines.insert(lines[i], at: i)
            case 2: lines.insert("ext\(i): some value \(i)", at: i)
            case 3: lines[i] += String(repeating: " ", count: Int.random(in: 1...3, using: &rng))
            case 4: lines.insert("mx: *.mx\(i).example.org", at: i)
            default: lines[i] = lines[i].replacingOccurrences(of: ": ", with: ":\t")
            }
        }
        var out: [UInt8] = []
        for line in lines {
            out += Array(line.utf8)
            out += Bool.random(using: &rng) ? [0x0A] : [0x0D, 0x0A]
        }
        if Bool.random(using: &rng) { out.removeLast() }
        return out
    }
}
