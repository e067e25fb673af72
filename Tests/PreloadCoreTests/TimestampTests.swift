import Foundation
import PreloadCore
import PreloadTesting
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2026-11-29T05:00:00Z", 1_795_928_400),
        ("2016-08-31T08:57:00Z", 1_472_633_820),
        ("2000-02-29T23:59:59Z", 951_868_799),
        ("1969-12-31T23:59:59Z", -1),
        ("1900-03-01T00:00:00Z", -2_203_891_200),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
    ])
    func canonicalFormBothWays(text: String, seconds: Int64) throws {
        let t = try #require(Timestamp(rfc3339: text, strictUTC: true))
        #expect(t.secondsSince1970 == seconds)
        #expect(Timestamp(secondsSince1970: seconds).rfc3339 == text)
        #expect(t.description == text)
    }

    @Test func offsetsFractionsAndLenientForms() throws {
        let base: Int64 = 1_795_928_400  // 2026-11-29T05:00:00Z
        #expect(Timestamp(rfc3339: "2026-11-29T06:00:00+01:00")?.secondsSince1970 == base)
        #expect(Timestamp(rfc3339: "2026-11-28T23:30:00-05:30")?.secondsSince1970 == base)
        #expect(Timestamp(rfc3339: "2026-11-29T05:00:00.999Z")?.secondsSince1970 == base, "fractions are dropped")
        #expect(Timestamp(rfc3339: "2026-11-29t05:00:00z")?.secondsSince1970 == base)
        #expect(Timestamp(rfc3339: "2026-11-29 05:00:00Z")?.secondsSince1970 == base)
        #expect(Timestamp(rfc3339: "2026-11-29T05:00:00+00:00")?.secondsSince1970 == base)
        // A leap second is read as the second before it.
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60Z")?.rfc3339 == "2016-12-31T23:59:59Z")
    }

    @Test(arguments: [
        "2026-11-29T06:00:00+01:00", "2026-11-29T05:00:00.5Z", "2026-11-29t05:00:00Z", "2026-11-29T05:00:00z",
        "2026-11-29 05:00:00Z",
    ])
    func strictUTCAcceptsOnlyTheCanonicalForm(text: String) {
        #expect(Timestamp(rfc3339: text, strictUTC: true) == nil)
        #expect(Timestamp(rfc3339: text) != nil)
    }

    @Test(arguments: [
        "", "2026-11-29", "2026-11-29T05:00:00", "2026-11-29T05:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
        "2026-11-31T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-11-29T24:00:00Z",
        "2026-11-29T05:60:00Z", "2026-11-29T05:00:61Z", "2026-11-29T05:00:00ZZ", "2026-11-29T05:00:00+0100",
        "2026-11-29T05:00:00+24:00", "2026-11-29T05:00:00.Z", "26-11-29T05:00:00Z", "2026/11/29T05:00:00Z",
        "２026-11-29T05:00:00Z", " 2026-11-29T05:00:00Z", "2026-11-29T05:00:00Z ",
    ])
    func rejectsMalformed(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func leapYears() {
        #expect(Timestamp(rfc3339: "2000-02-29T00:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2100-02-29T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2025-02-29T00:00:00Z") == nil)
    }

    @Test func roundTripsOverManyTimes() throws {
        var rng = SeededGenerator(seed: 1970)
        for _ in 0..<5000 {
            let s = Int64.random(in: -2_208_988_800...253_402_300_799, using: &rng)  // 1900…9999
            let t = Timestamp(secondsSince1970: s)
            let back = try #require(Timestamp(rfc3339: t.rfc3339, strictUTC: true), "\(s)")
            #expect(back == t)
        }
    }

    @Test func arithmeticOrderingAndDate() throws {
        let t = try #require(Timestamp(rfc3339: "2026-11-29T05:00:00Z"))
        #expect(t.adding(days: 14).rfc3339 == "2026-12-13T05:00:00Z")
        #expect(t.adding(seconds: -5 * 3600 - 1).rfc3339 == "2026-11-28T23:59:59Z")
        #expect(t.date == "2026-11-29")
        #expect(t < t.adding(seconds: 1))
        #expect(FixedTime(t).now() == t)
    }

    @Test func codableIsStrict() throws {
        let t = try #require(Timestamp(rfc3339: "2026-11-29T05:00:00Z"))
        let data = try JSONEncoder().encode([t])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-11-29T05:00:00Z"]"#)
        #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [t])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Timestamp].self, from: Data(#"["2026-11-29T06:00:00+01:00"]"#.utf8))
        }
    }
}
