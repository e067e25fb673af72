import PreloadCore
import PreloadTesting
import Testing

/// RFC 8460 §3: the `_smtp._tls` TXT record set.
@Suite struct TLSRPTRecordParserTests {
    private func codes(_ r: TLSRPTRecordResult) -> [IssueCode] { r.issues.map(\.code) }

    @Test(arguments: [
        // RFC 8460 §3.1 examples.
        ("v=TLSRPTv1;rua=mailto:reports@example.com", ["mailto:reports@example.com"]),
        ("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", ["https://reporting.example.com/v1/tlsrpt"]),
        // Several URIs, whitespace around commas, trailing ';'.
        ("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x;", ["mailto:a@example.com", "https://r.example.com/x"]),
        ("v=TLSRPTv1; rua=mailto:a@example.com , \thttps://r.example.com", ["mailto:a@example.com", "https://r.example.com"]),
        ("v=TLSRPTv1;rua=mailto:tls-rpt+x@mail.example.com?subject=report", ["mailto:tls-rpt+x@mail.example.com?subject=report"]),
        ("v=TLSRPTv1;rua=mailto:a%21b@example.com", ["mailto:a%21b@example.com"]),
        ("v=TLSRPTv1;rua=mailto:a@[192.0.2.1]", ["mailto:a@[192.0.2.1]"]),
        ("v=TLSRPTv1;rua=https://r.example.com:8443/p?q=1&r=2#f", ["https://r.example.com:8443/p?q=1&r=2#f"]),
        ("v=TLSRPTv1;rua=https://192.0.2.1/x", ["https://192.0.2.1/x"]),
        ("v=TLSRPTv1;rua=https://[2001:db8::1]:443/x", ["https://[2001:db8::1]:443/x"]),
        ("v=TLSRPTv1;rua=HTTPS://r.example.com", ["HTTPS://r.example.com"]),  // schemes are case-insensitive
    ])
    func validRecords(record: String, rua: [String]) {
        let r = TLSRPTRecordParser.parse([record])
        #expect(r.status == .valid)
        #expect(r.rua == rua)
        #expect(r.issues.isEmpty)
    }

    @Test func filterAbsenceAndMultiples() {
        let filtered = TLSRPTRecordParser.parse(["v=spf1 -all", "v=STSv1; id=1", "v=TLSRPTv1; rua=mailto:a@example.com"])
        #expect(filtered.status == .valid)
        for set in [[], ["v=STSv1; id=1"], ["V=TLSRPTv1; rua=mailto:a@example.com"], ["v=TLSRPTv2; rua=mailto:a@example.com"]] {
            let r = TLSRPTRecordParser.parse(set)
            #expect(r.status == .absent)
            #expect(codes(r) == ["tls-rpt.missing"])
        }
        let two = TLSRPTRecordParser.parse(["v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"])
        #expect(two.status == .invalid)
        #expect(codes(two) == ["tls-rpt.multiple"])
        #expect(two.rua.isEmpty)
        // TLS-RPT is optional for senders (RFC 8460): several records are a warning, not a blocking error.
        #expect(two.issues.map(\.severity) == [.warning])
    }

    @Test(arguments: [
        // After the last URI, with no final ';' (outside the ABNF, stripped by common parsers).
        ("v=TLSRPTv1; rua=mailto:a@example.com ", ["mailto:a@example.com"]),
        ("v=TLSRPTv1; rua=mailto:a@example.com\t", ["mailto:a@example.com"]),
        ("v=TLSRPTv1;rua=mailto:a@example.com,https://r.example.com/x  ", ["mailto:a@example.com", "https://r.example.com/x"]),
        // Around a final ';'.
        ("v=TLSRPTv1; rua=mailto:a@example.com ;", ["mailto:a@example.com"]),
        ("v=TLSRPTv1; rua=mailto:a@example.com; ", ["mailto:a@example.com"]),
        ("v=TLSRPTv1; rua=mailto:a@example.com ; \t", ["mailto:a@example.com"]),
    ])
    func trailingWhitespaceIsReadWithAWarning(record: String, rua: [String]) {
        let r = TLSRPTRecordParser.parse([record])
        #expect(r.status == .valid)
        #expect(r.rua == rua)
        #expect(codes(r) == ["tls-rpt.whitespace"])
        #expect(r.issues.map(\.severity) == [.warning])
    }

    @Test func whitespaceAroundInnerSemicolonsIsPlainABNF() {
        let r = TLSRPTRecordParser.parse(["v=TLSRPTv1; rua=mailto:a@example.com ; ext=1"])
        #expect(r.status == .valid)
        #expect(codes(r) == ["tls-rpt.unknown-field"])
    }

    @Test func multiStringRecordsAreJoinedWithoutSeparator() {
        let joined = TLSRPTRecordParser.join(["v=TLSRPTv1; rua=mailto:rep", "orts@example.com"])
        #expect(TLSRPTRecordParser.parse([joined]).rua == ["mailto:reports@example.com"])
    }

    @Test func spaceBeforeTheFirstSemicolonIsAWarning() {
        let r = TLSRPTRecordParser.parse(["v=TLSRPTv1 ; rua=mailto:a@example.com"])
        #expect(r.status == .valid)
        #expect(codes(r) == ["tls-rpt.space-before-semicolon"])
        #expect(r.issues[0].severity == .warning)
    }

    @Test func unknownFieldsAreIgnoredWithAnInfo() {
        let r = TLSRPTRecordParser.parse(["v=TLSRPTv1; rua=mailto:a@example.com; ext.v2=yes"])
        #expect(r.status == .valid)
        #expect(codes(r) == ["tls-rpt.unknown-field"])
        #expect(r.extensions == [RecordExtension(name: "ext.v2", value: "yes")])
    }

    @Test(arguments: [
        "v=TLSRPTv1", "v=TLSRPTv1;", "v=TLSRPTv1 rua=mailto:a@example.com",
        "v=TLSRPTv1; ruf=mailto:a@example.com",  // no rua
        "v=TLSRPTv1; RUA=mailto:a@example.com",  // field names are case-sensitive
        "v=TLSRPTv1; rua=", "v=TLSRPTv1; rua=mailto:a@example.com,", "v=TLSRPTv1; rua=,mailto:a@example.com",
        "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com",
        "v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com",
        "v=TLSRPTv1; rua=reports@example.com",  // no scheme
        "v=TLSRPTv1; rua=ftp://example.com/x", "v=TLSRPTv1; rua=http://r.example.com/x",
        "v=TLSRPTv1; rua=mailto:reports", "v=TLSRPTv1; rua=mailto:@example.com", "v=TLSRPTv1; rua=mailto:a@b",
        "v=TLSRPTv1; rua=mailto:a@b@example.com", "v=TLSRPTv1; rua=mailto:a!b@example.com",
        "v=TLSRPTv1; rua=mailto:a@example.com!10m", "v=TLSRPTv1; rua=mailto:a@exa_mple.com",
        "v=TLSRPTv1; rua=https://", "v=TLSRPTv1; rua=https:/r.example.com", "v=TLSRPTv1; rua=https:r.example.com",
        "v=TLSRPTv1; rua=https://r.example.com:99999/", "v=TLSRPTv1; rua=https://r.example.com:/",
        "v=TLSRPTv1; rua=https://user@r.example.com/", "v=TLSRPTv1; rua=https://r.example.com/a b",
        "v=TLSRPTv1; rua=https://r.example.com/%4", "v=TLSRPTv1; rua=https://r.example.com/%zz",
        "v=TLSRPTv1; rua=https://[zz::1]/", "v=TLSRPTv1; rua=https://[2001:db8::1/",
        "v=TLSRPTv1; rua=https://r.example.com/\"x\"",
        "v=TLSRPTv1; rua=mailto:a@example.com; -x=1", "v=TLSRPTv1; rua=mailto:a@example.com; x=a=b",
        "v=TLSRPTv1;; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com ",
        "v=TLSRPTv1; rua=mailto:é@example.com",
    ])
    func malformedRecordsAreInvalid(record: String) {
        let r = TLSRPTRecordParser.parse([record])
        #expect(r.status == .invalid)
        #expect(r.rua.isEmpty)
        #expect(codes(r).contains("tls-rpt.invalid"))
        // Invalid, but TLS-RPT is optional for senders: a warning that does not block eligibility.
        #expect(!r.issues.hasErrors)
        #expect(r.issues.first { $0.code == "tls-rpt.invalid" }?.severity == .warning)
    }

    @Test func randomInputsNeverCrashAndAlwaysExplainThemselves() {
        var rng = SeededGenerator(seed: 8460)
        let seeds = [
            "v=TLSRPTv1;rua=mailto:reports@example.com", "v=TLSRPTv1; rua=https://r.example.com:8443/v1?a=b , mailto:x@[192.0.2.1]; e=1",
        ].map { Array($0.utf8) }
        var seen: [RecordStatus: Int] = [:]
        for round in 0..<6000 {
            var set: [[UInt8]] = []
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                if round % 2 == 0 {
                    set.append(Fuzz.mutate(seeds.randomElement(using: &rng)!, using: &rng))
                } else {
                    set.append(Array("v=TLSRPTv1;rua=".utf8) + Fuzz.bytes(Int.random(in: 0...40, using: &rng), using: &rng))
                }
            }
            let r = TLSRPTRecordParser.parse(bytes: set)
            seen[r.status, default: 0] += 1
            switch r.status {
            case .valid:
                #expect(!codes(r).contains("tls-rpt.invalid") && !codes(r).contains("tls-rpt.multiple"),
                        "seed 8460 round \(round)")
                #expect(!r.rua.isEmpty, "seed 8460 round \(round)")
            case .invalid:
                #expect(codes(r).contains("tls-rpt.invalid") || codes(r).contains("tls-rpt.multiple"),
                        "seed 8460 round \(round)")
                #expect(r.rua.isEmpty)
            case .absent:
                #expect(r.issues.map(\.code) == ["tls-rpt.missing"])
            }
            #expect(r.issues.allSatisfy { $0.code.entry?.severity == $0.severity })
            #expect(!r.issues.hasErrors, "TLS-RPT findings never block; seed 8460 round \(round)")
        }
        // The generator must reach every outcome, or the test proves little.
        #expect(seen[.valid, default: 0] > 100 && seen[.invalid, default: 0] > 100 && seen[.absent, default: 0] > 100, "\(seen)")
    }
}
