import Foundation
import Testing

@testable import PreloadCore

@Suite("List codec v1")
struct ListCodecTests {
    typealias S = ListTestSupport

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private func decodeErrors(_ json: String) -> [PreloadCore.Issue] {
        let result = ListCodec.decode(Array(json.utf8))
        #expect(result.list == nil, "expected a rejection of \(json)")
        return result.issues.filter { $0.severity == .error }
    }

    @Test func encodesTheDocumentedCanonicalForm() {
        let bytes = ListCodec.encode(S.sampleList())
        #expect(text(bytes) == """
            {
              "format": 1,
              "serial": 7,
              "generated": "2026-11-29T05:00:00Z",
              "expires": "2026-12-13T05:00:00Z",
              "publisher": "preload tests",
              "aliases": {
                "provider": {"mode": "enforce", "mx": ["*.mx.provider.example", "mx.provider.example"]}
              },
              "domains": {
                "customer.example": {"alias": "provider", "provenance": {"method": "manual", "added": "2026-10-01T00:00:00Z", "verified": "2026-11-01T00:00:00Z"}},
                "example.com": {"mode": "enforce", "mx": ["mail.example.com"], "provenance": {"method": "mta-sts", "added": "2026-10-01T00:00:00Z", "verified": "2026-11-01T00:00:00Z"}},
                "example.org": {"mode": "testing", "mx": ["*.mail.example.org", "mx1.example.org", "mx2.example.org"], "provenance": {"method": "manual", "added": "2026-10-01T00:00:00Z", "verified": "2026-11-01T00:00:00Z"}}
              }
            }

            """)
    }

    @Test func encodingDoesNotDependOnInputOrder() {
        var list = S.sampleList()
        let reference = ListCodec.encode(list)
        list.entries.reverse()
        list.entries[0] = S.entry("example.org", .testing, ["mx1.example.org", "mx2.example.org", "*.mail.example.org", "mx1.example.org"],
            method: .manual)
        #expect(ListCodec.encode(list) == reference)
    }

    @Test func emptyListHasNoAliasesMember() throws {
        var list = S.sampleList()
        list.aliases = [:]
        list.entries = []
        let out = text(ListCodec.encode(list))
        #expect(!out.contains("aliases"))
        #expect(out.hasSuffix("  \"domains\": {}\n}\n"))
        #expect(try ListCodec.decodeOrThrow(Array(out.utf8)) == list)
    }

    @Test func modelRoundTrip() throws {
        var list = S.sampleList()
        list.publisher = "Zürich \"quoted\" \\ backslash \u{1F4E7}"
        let decoded = try ListCodec.decodeOrThrow(ListCodec.encode(list))
        // The decoder returns entries and patterns in canonical order.
        #expect(decoded.publisher == list.publisher)
        #expect(decoded.aliases.keys.sorted() == ["provider"])
        #expect(decoded.entries.map(\.domain.value) == ["customer.example", "example.com", "example.org"])
        #expect(ListCodec.encode(decoded) == ListCodec.encode(list))
        // Control characters are refused in a publisher, by the validator and by the decoder.
        list.publisher = "tab\there"
        #expect(ListValidator.validate(list).map(\.subject) == ["$.publisher"])
        #expect(ListCodec.decode(ListCodec.encode(list)).issues.map(\.subject) == ["$.publisher"])
    }

    @Test func canonicalExamplesAreByteStable() throws {
        for url in try S.examples("valid") where !url.lastPathComponent.hasPrefix("noncanonical") {
            let bytes = try S.bytes(url)
            let list = try ListCodec.decodeOrThrow(bytes)
            #expect(ListCodec.encode(list) == bytes, "\(url.lastPathComponent) is not reproduced byte for byte")
            #expect(ListCodec.isCanonical(bytes, of: list))
        }
    }

    @Test func nonCanonicalFileDecodesAndCanonicalises() throws {
        let url = try #require(try S.examples("valid").first { $0.lastPathComponent.hasPrefix("noncanonical") })
        let bytes = try S.bytes(url)
        let list = try ListCodec.decodeOrThrow(bytes)
        let canonical = ListCodec.encode(list)
        #expect(canonical != bytes)
        #expect(ListCodec.encode(try ListCodec.decodeOrThrow(canonical)) == canonical)
        #expect(ListCodec.lint(bytes).issues.map(\.code) == ["list.not-canonical"])
    }

    @Test func syntheticLargeListRoundTrips() throws {
        let list = S.syntheticList(count: 5000)
        let bytes = ListCodec.encode(list)
        let decoded = try ListCodec.decodeOrThrow(bytes)
        #expect(decoded.entries.count == 5000)
        #expect(ListCodec.encode(decoded) == bytes)
    }

    // MARK: Strictness, with paths

    @Test func reportsPathsOfStructuralErrors() {
        let base = text(ListCodec.encode(S.sampleList()))
        func subjects(_ json: String) -> [String?] { decodeErrors(json).map(\.subject) }

        #expect(subjects(base.replacingOccurrences(of: "\"serial\": 7", with: "\"serial\": \"7\"")) == ["$.serial"])
        #expect(subjects(base.replacingOccurrences(of: "\"serial\": 7,", with: "\"serial\": 7, \"serial\": 8,"))
            == ["$.serial"])
        #expect(subjects(base.replacingOccurrences(of: "\"mail.example.com\"", with: "\"Mail.example.com\""))
            == ["$.domains[\"example.com\"].mx[0]"])
        #expect(subjects(base.replacingOccurrences(of: "{\"method\": \"mta-sts\",", with: "{\"by\": 1, \"method\": \"mta-sts\","))
            == ["$.domains[\"example.com\"].provenance.by"])
        #expect(subjects(base.replacingOccurrences(of: "\"2026-12-13T05:00:00Z\"", with: "\"2026-12-13T05:00:00.000Z\""))
            == ["$.expires"])
        #expect(subjects(base.replacingOccurrences(of: "\"alias\": \"provider\"", with: "\"alias\": \"nobody\""))
            == ["$.domains[\"customer.example\"].alias"])
        #expect(subjects(base.replacingOccurrences(of: "\"example.org\"", with: "\"a.example.org\"")) == [
            "$.domains[\"a.example.org\"]"
        ])
    }

    @Test func collectsSeveralErrorsInOneRun() {
        let base = text(ListCodec.encode(S.sampleList()))
        let broken = base.replacingOccurrences(of: "\"serial\": 7", with: "\"serial\": -1")
            .replacingOccurrences(of: "\"testing\"", with: "\"none\"")
            .replacingOccurrences(of: "\"publisher\": \"preload tests\",", with: "")
        let subjects = Set(decodeErrors(broken).compactMap(\.subject))
        #expect(subjects == ["$.serial", "$.domains[\"example.org\"].mode", "$"])
    }

    @Test func rejectsMalformedJSONWithAPosition() {
        let cases = ["", "{", "{\"format\": 1,}", "[1]", "{\"format\": 01}", "{\"a\": \"\\x\"}", "{\"a\": \"\u{1}\"}",
                     "{\"a\": \"\\ud800\"}", "{} {}", "\u{FEFF}{}", "{\"a\": tru}", "{\"a\": 1.}", "{\"a\": -}"]
        for json in cases {
            let errors = decodeErrors(json)
            #expect(errors.count >= 1 && errors.allSatisfy { $0.code == "list.invalid" }, "\(json.debugDescription)")
        }
        #expect(decodeErrors("{\n  \"format\": 1,\n  oops\n}").first?.subject == "line 3, column 3")
        #expect(ListCodec.decode([0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D]).list == nil)  // invalid UTF-8
    }

    @Test func acceptsEscapesThatDecodeToValidValues() throws {
        let base = text(ListCodec.encode(S.sampleList()))
        let escaped = base.replacingOccurrences(of: "\"enforce\"", with: "\"\\u0065nforce\"")
            .replacingOccurrences(of: "\"example.com\"", with: "\"example\\u002ecom\"")
        #expect(try ListCodec.decodeOrThrow(Array(escaped.utf8)) == ListCodec.decodeOrThrow(Array(base.utf8)))
    }

    @Test func rejectsIntegersWrittenWithFractionOrExponent() {
        let base = text(ListCodec.encode(S.sampleList()))
        #expect(decodeErrors(base.replacingOccurrences(of: "\"serial\": 7", with: "\"serial\": 7.0")).map(\.subject) == ["$.serial"])
        #expect(decodeErrors(base.replacingOccurrences(of: "\"format\": 1", with: "\"format\": 1e0")).map(\.subject) == ["$.format"])
        #expect(decodeErrors(base.replacingOccurrences(of: "\"serial\": 7", with: "\"serial\": 99999999999999999999")).count == 1)
    }

    @Test func stopsAfterTooManyErrors() {
        var list = S.syntheticList(count: 500)
        list.aliases = [:]
        let bad = text(ListCodec.encode(list)).replacingOccurrences(of: "\"enforce\"", with: "\"on\"")
        let errors = decodeErrors(bad)
        #expect(errors.count == ListDecoderV1.maxErrors + 1)
        #expect(errors.last?.message.contains("stopped") == true)
    }

    @Test func deepNestingInAnUnknownFieldIsRejectedWithoutRecursion() {
        let deep = "{\"x\": " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"
        #expect(!decodeErrors(deep).isEmpty)
    }

    @Test func detectsFormats() throws {
        #expect(ListCodec.detectFormat(ListCodec.encode(S.sampleList())) == .v1)
        #expect(ListCodec.detectFormat(try S.effBytes) == .effV01)
        #expect(ListCodec.detectFormat(Array("{\"domains\": {}}".utf8)) == nil)
        #expect(ListCodec.detectFormat(Array("not json".utf8)) == nil)
    }

    @Test func timestampsAtTheEdgesOfTheCalendar() {
        for s in ["0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2000-02-29T12:00:00Z", "9999-12-31T23:59:59Z"] {
            let t = ListTime.parseCanonical(Array(s.utf8)[...])
            #expect(t == Timestamp(rfc3339: s, strictUTC: true), "\(s)")
            var out = JSONWriter()
            ListTime.append(t!, to: &out)
            #expect(String(decoding: out.bytes, as: UTF8.self) == s)
        }
        for s in ["1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z",
                  "2026-01-01T00:00:00z", "2026-01-01 00:00:00Z", "2026-1-01T00:00:00Z"] {
            #expect(ListTime.parseCanonical(Array(s.utf8)[...]) == nil, "\(s)")
        }
    }
}
