import PreloadCore
import PreloadTesting
import Testing

/// RFC 8461 §3.1: the `_mta-sts` TXT record set.
@Suite struct STSRecordParserTests {
    private func codes(_ r: STSRecordResult) -> [IssueCode] { r.issues.map(\.code) }

    @Test func rfcExample() {
        // RFC 8461 §3.1: _mta-sts.example.com.  IN TXT "v=STSv1; id=20160831085700Z;"
        let r = STSRecordParser.parse(["v=STSv1; id=20160831085700Z;"])
        #expect(r.status == .valid)
        #expect(r.id == "20160831085700Z")
        #expect(r.issues.isEmpty)
        #expect(r.record == "v=STSv1; id=20160831085700Z;")
    }

    @Test func otherRecordsOfTheSetAreDiscarded() {
        let r = STSRecordParser.parse(["v=spf1 -all", "v=STSv1; id=abc123", "google-site-verification=xyz"])
        #expect(r.status == .valid)
        #expect(r.id == "abc123")
    }

    @Test(arguments: [[], ["v=spf1 -all"], ["V=STSv1; id=1"], [" v=STSv1; id=1"], ["v=STSv10; id=1"], ["v=stsv1; id=1"], ["id=1; v=STSv1"]])
    func noRecordOfTheKindIsAbsent(records: [String]) {
        let r = STSRecordParser.parse(records)
        #expect(r.status == .absent)
        #expect(codes(r) == ["mta-sts.txt-missing"])
        #expect(r.id == nil)
        #expect(!r.issues.hasErrors, "absence is reported as a warning, the status says the rest")
    }

    @Test func severalRecordsOfTheKindAreInvalid() {
        for set in [["v=STSv1; id=1", "v=STSv1; id=2"], ["v=STSv1; id=1", "v=STSv1; id=1"], ["v=STSv1; id=1", "v=STSv1 ;id=bad-"]] {
            let r = STSRecordParser.parse(set)
            #expect(r.status == .invalid)
            #expect(codes(r) == ["mta-sts.txt-multiple"])
            #expect(r.id == nil)
        }
    }

    @Test func multiStringRecordsAreJoinedWithoutSeparator() {
        #expect(STSRecordParser.join(["v=STSv1; id=2016", "0831085700Z;"]) == "v=STSv1; id=20160831085700Z;")
        let r = STSRecordParser.parse([STSRecordParser.join(["v=STSv1; id=2016", "0831085700Z;"])])
        #expect(r.id == "20160831085700Z")
        #expect(STSRecordParser.join([Array("v=STSv1;".utf8), Array("id=x".utf8)]) == Array("v=STSv1;id=x".utf8))
    }

    @Test(arguments: ["v=STSv1 ;id=x", "v=STSv1\t; id=x", "v=STSv1   ;   id=x  ;"])
    func erratum6285IsAcceptedWithAWarning(record: String) {
        let r = STSRecordParser.parse([record])
        #expect(r.status == .valid)
        #expect(r.id == "x")
        #expect(codes(r) == ["mta-sts.txt-erratum-6285"])
        #expect(r.issues[0].severity == .warning)
        #expect(r.issues[0].message.contains("6285"), "the warning names the erratum")
    }

    @Test(arguments: [
        "v=STSv1;id=abc", "v=STSv1; id=abc", "v=STSv1; id=abc;", "v=STSv1; id=abc; ", "v=STSv1;\tid=abc\t;\t",
        "v=STSv1;id=ABCdef0123456789ABCdef0123456789",  // 32 characters
    ])
    func delimitersAndTrailingSemicolon(record: String) {
        let r = STSRecordParser.parse([record])
        #expect(r.status == .valid)
        #expect(r.issues.isEmpty)
    }

    @Test(arguments: [
        "v=STSv1",  // no fields
        "v=STSv1;",  // no id
        "v=STSv1 ",
        "v=STSv1 id=abc",  // no ';' after the version
        "v=STSv1; id=",  // empty id
        "v=STSv1; id=a-b", "v=STSv1; id=a.b", "v=STSv1; id=a_b", "v=STSv1; id=a b", "v=STSv1; id=a+b",
        "v=STSv1; id=ABCdef0123456789ABCdef0123456789X",  // 33 characters
        "v=STSv1; ID=abc",  // field names are case-sensitive: no id
        "v=STSv1; ext=1",  // no id
        "v=STSv1; id=abc; id=def",  // two ids
        "v=STSv1;; id=abc",  // empty field
        "v=STSv1; id=abc;; ext=1",
        "v=STSv1; id=abc; ext",  // field without '='
        "v=STSv1; id=abc ",  // whitespace after the last field without ';'
        "v=STSv1; id=abc; ext=a=b", "v=STSv1; id=abc; ext=", "v=STSv1; id=abc; ext=a b",
        "v=STSv1; id=abc; -ext=1", "v=STSv1; id=abc; _ext=1", "v=STSv1; id=abc; =1",
        "v=STSv1; id=abc; e!xt=1",
        "v=STSv1; id=abc; a23456789012345678901234567890123=1",  // 33-character name
        "v=STSv1; id=abc\u{01}", "v=STSv1; id=abc; ext=\u{7F}",
    ])
    func malformedRecordsAreInvalid(record: String) {
        let r = STSRecordParser.parse([record])
        #expect(r.status == .invalid)
        #expect(r.id == nil)
        #expect(codes(r).contains("mta-sts.txt-invalid"))
        #expect(r.issues.hasErrors)
    }

    @Test func nonASCIIIsRejected() {
        let r = STSRecordParser.parse(["v=STSv1; id=abc; ext=é"])
        #expect(r.status == .invalid)
        #expect(codes(r) == ["mta-sts.txt-non-ascii"])
        let bytes = STSRecordParser.parse(bytes: [Array("v=STSv1; id=abc".utf8) + [0xFF]])
        #expect(bytes.status == .invalid)
        #expect(bytes.issues.map(\.code) == ["mta-sts.txt-non-ascii"])
    }

    @Test func unknownFieldsAreIgnoredWithAnInfo() {
        let r = STSRecordParser.parse(["v=STSv1; foo.bar=baz; id=abc; 1x_y-z=!\"#$%&'()*+,-./:<>?@[\\]^_`{|}~"])
        #expect(r.status == .valid)
        #expect(r.id == "abc")
        #expect(codes(r) == ["mta-sts.txt-unknown-field", "mta-sts.txt-unknown-field"])
        #expect(r.issues.allSatisfy { $0.severity == .info })
        #expect(r.extensions.map(\.name) == ["foo.bar", "1x_y-z"])
        #expect(r.extensions.first?.value == "baz")
        // A 32-character extension name is the longest allowed; `v` again is just an extension.
        #expect(STSRecordParser.parse(["v=STSv1; id=a; a2345678901234567890123456789012=1; v=STSv1"]).status == .valid)
    }

    @Test func everyCodeIsInTheCatalogue() {
        let inputs = [[], ["v=STSv1; id=1", "v=STSv1; id=2"], ["v=STSv1 ;id=1; x=y"], ["v=STSv1; id=é"], ["v=STSv1; id=-"]]
        for set in inputs {
            for issue in STSRecordParser.parse(set).issues {
                #expect(issue.code.entry != nil, "\(issue.code)")
                #expect(issue.code.entry?.severity == issue.severity, "\(issue.code)")
            }
        }
    }

    @Test func randomInputsNeverCrashAndAlwaysExplainThemselves() {
        var rng = SeededGenerator(seed: 8461)
        let seeds = ["v=STSv1; id=20160831085700Z;", "v=STSv1 ;id=x; ext=1", "v=STSv1;id=a;b.c=d;"].map { Array($0.utf8) }
        var seen: [RecordStatus: Int] = [:]
        for round in 0..<6000 {
            var set: [[UInt8]] = []
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                if round % 2 == 0 {
                    set.append(Fuzz.mutate(seeds.randomElement(using: &rng)!, using: &rng))
                } else {
                    set.append(Array("v=STSv1".utf8) + Fuzz.bytes(Int.random(in: 0...40, using: &rng), using: &rng))
                }
            }
            let r = STSRecordParser.parse(bytes: set)
            seen[r.status, default: 0] += 1
            switch r.status {
            case .valid:
                #expect(!r.issues.hasErrors, "seed 8461 round \(round)")
                #expect(r.id.map { !$0.isEmpty && $0.utf8.count <= 32 } == true, "seed 8461 round \(round)")
            case .invalid:
                #expect(r.issues.hasErrors, "seed 8461 round \(round)")
                #expect(r.id == nil)
            case .absent:
                #expect(r.issues.map(\.code) == ["mta-sts.txt-missing"])
            }
            #expect(r.issues.allSatisfy { $0.code.entry != nil })
        }
        // The generator must reach every outcome, or the test proves little.
        #expect(seen[.valid, default: 0] > 100 && seen[.invalid, default: 0] > 100 && seen[.absent, default: 0] > 100, "\(seen)")
    }
}
