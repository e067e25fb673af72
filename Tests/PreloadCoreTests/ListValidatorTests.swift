import Testing

@testable import PreloadCore

@Suite("List semantic validation")
struct ListValidatorTests {
    typealias S = ListTestSupport

    private func subjects(_ list: PreloadList) -> [String?] {
        ListValidator.validate(list).filter { $0.severity == .error }.map(\.subject)
    }

    @Test func sampleIsValid() {
        #expect(ListValidator.validate(S.sampleList()).isEmpty)
    }

    @Test func everyRuleHasItsPath() {
        var list = S.sampleList()
        list.expires = list.generated
        #expect(subjects(list) == ["$.expires"])

        list = S.sampleList()
        list.serial = 0
        #expect(subjects(list) == ["$.serial"])
        list.serial = ListCodec.maxSerial + 1
        #expect(subjects(list) == ["$.serial"])

        list = S.sampleList()
        list.publisher = ""
        #expect(subjects(list) == ["$.publisher"])
        list.publisher = String(repeating: "é", count: 201)
        #expect(subjects(list) == ["$.publisher"])

        list = S.sampleList()
        list.entries.append(S.entry("example.com", .testing, ["mx.example.com"]))
        #expect(subjects(list) == ["$.domains[\"example.com\"]"])

        list = S.sampleList()
        list.entries.append(S.aliasEntry("other.example", "missing"))
        #expect(subjects(list) == ["$.domains[\"other.example\"].alias"])

        list = S.sampleList()
        list.entries.append(S.entry("empty.example", .enforce, []))
        #expect(subjects(list) == ["$.domains[\"empty.example\"].mx"])
        list = S.sampleList()
        list.entries.append(S.entry("dup.example", .enforce, ["mx.dup.example", "mx.dup.example"]))
        #expect(subjects(list) == ["$.domains[\"dup.example\"].mx"])

        list = S.sampleList()
        list.aliases["Bad Name"] = AliasPolicy(mode: .enforce, mx: [S.p("mx.example.net")])
        #expect(subjects(list) == ["$.aliases[\"Bad Name\"]"])

        list = S.sampleList()
        list.entries[0].provenance.verified = S.t("2026-09-01T00:00:00Z")
        #expect(subjects(list) == ["$.domains[\"example.com\"].provenance.verified"])
        list = S.sampleList()
        list.entries[0].provenance.verified = S.t("2026-11-30T00:00:00Z")
        #expect(subjects(list) == ["$.domains[\"example.com\"].provenance.verified"])
        list.entries[0].provenance.added = S.t("2026-11-30T00:00:00Z")
        #expect(subjects(list) == ["$.domains[\"example.com\"].provenance.added", "$.domains[\"example.com\"].provenance.verified"])
    }

    @Test func unusedAliasIsAWarning() {
        var list = S.sampleList()
        list.aliases["spare"] = AliasPolicy(mode: .testing, mx: [S.p("mx.spare.example")])
        let issues = ListValidator.validate(list)
        #expect(issues.map(\.code) == ["list.alias-unused"])
        #expect(issues.first?.severity == .warning)
    }

    @Test func everyListCodeIsInTheCatalogue() {
        for code in ["list.invalid", "list.legacy-format", "list.not-canonical", "list.alias-unused",
                     "list.conversion-inexact", "list.conversion-normalized"] {
            #expect(IssueCode(rawValue: code).entry != nil, "\(code)")
        }
    }

    @Test func lintReportsFormatAndCounts() throws {
        let v1 = ListCodec.lint(ListCodec.encode(S.sampleList()))
        #expect(v1.format == .v1 && v1.isValid && v1.issues.isEmpty)
        #expect(v1.counts == ListCounts(S.sampleList()))
        #expect(v1.counts?.aliasReferences == 1)

        let eff = ListCodec.lint(try S.effBytes)
        #expect(eff.format == .effV01)
        #expect(eff.isValid)
        #expect(eff.issues.first?.code == "list.legacy-format")
        #expect(eff.counts?.domains == 926)

        let broken = ListCodec.lint(Array("{\"format\": 1}".utf8))
        #expect(broken.format == .v1 && !broken.isValid && broken.counts == nil)
        #expect(ListCodec.lint(Array("{}".utf8)).format == nil)
    }
}
