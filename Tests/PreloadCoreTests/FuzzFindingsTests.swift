import Testing

@testable import PreloadCore

/// Inputs found by the fuzz harnesses (`tools/fuzz`, Tests/Fuzz), each kept with the property it broke.
/// The same inputs are in the harness's seed corpus, so every fuzz run replays them too.
@Suite struct FuzzFindingsTests {
    /// `timestamp`: an offset moved a time before year 0000; its canonical form (`00-1-12-31T04:00:00Z`)
    /// did not read back, so an EFF list stamped so would convert to a v1 list that does not decode.
    @Test(arguments: ["0000-01-01T00:00:00+20:00", "9999-12-31T23:59:59-00:01", "0000-01-01T00:00:00.5+00:01"])
    func offsetsDoNotLeaveTheFourDigitYears(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func theFourDigitYearsStayReadable() throws {
        let first = try #require(Timestamp(rfc3339: "0000-01-01T00:00:00Z", strictUTC: true))
        let last = try #require(Timestamp(rfc3339: "9999-12-31T23:59:59Z", strictUTC: true))
        #expect(first.secondsSince1970 == Timestamp.representable.lowerBound)
        #expect(last.secondsSince1970 == Timestamp.representable.upperBound)
        #expect(Timestamp(rfc3339: "0000-01-01T01:00:00+01:00") == first)
        #expect(Timestamp(rfc3339: "9999-12-31T22:59:59-01:00") == last)
        #expect(!Timestamp(secondsSince1970: Timestamp.representable.upperBound + 1).isRepresentable)
    }

    /// `list-eff`: EFF times given as epoch seconds past year 9999 (or stamped before 0000 through an
    /// offset) are refused on import instead of producing a list whose v1 bytes do not decode.
    @Test(arguments: [
        #"{"timestamp": 253402300800, "expires": 253402300900, "version": "0.1", "policy-aliases": {}, "policies": {}}"#,
        #"{"timestamp": "0000-01-01T00:00:00+00:01", "expires": "2020-06-03T10:25:12Z", "version": "0.1", "policy-aliases": {}, "policies": {}}"#,
    ])
    func effTimesOutsideTheFourDigitYearsAreRefused(file: String) throws {
        let imported = EFFListConverter.importList(Array(file.utf8))
        #expect(imported.list == nil)
        #expect(imported.issues.contains { $0.code == "list.invalid" && $0.subject == "$.timestamp" })
    }

    @Test func effTimesAtTheEdgeImportAndRoundTrip() throws {
        let file = #"{"timestamp": 253402300000, "expires": 253402300799, "version": "0.1", "policy-aliases": {}, "policies": {}}"#
        let list = try #require(EFFListConverter.importList(Array(file.utf8)).list)
        #expect(ListCodec.decode(ListCodec.encode(list)).list == list)
    }
}
