import Foundation
import PreloadCore
import Testing

/// RFC 8461 §4.1: the one meaning of an MX pattern in the project.
@Suite struct MXPatternTests {
    private func host(_ s: String) throws -> DomainName { try DomainName(s) }

    @Test(arguments: [
        // (pattern, host, matches)
        ("*.example.com", "mail.example.com", true),
        ("*.example.com", "MAIL.Example.COM.", true),  // case-insensitive, trailing dot ignored
        ("*.example.com", "example.com", false),  // the wildcard needs a label
        ("*.example.com", "a.b.example.com", false),  // exactly one label
        ("*.example.com", "mailexample.com", false),
        ("*.example.com", "mail.example.net", false),
        ("mail.example.com", "mail.example.com", true),
        ("mail.example.com", "Mail.Example.Com.", true),
        ("mail.example.com", "a.mail.example.com", false),  // plain patterns match exactly
        ("mail.example.com", "example.com", false),
        ("MAIL.EXAMPLE.COM", "mail.example.com", true),
        ("*.EXAMPLE.com", "mx1.example.COM", true),
    ])
    func matching(pattern: String, hostName: String, expected: Bool) throws {
        let p = try MXPattern(pattern)
        #expect(p.matches(try host(hostName)) == expected)
    }

    @Test func wildcardOnlyAsTheWholeLeftMostLabel() {
        for bad in ["*example.com", "mail.*.com", "*.*.example.com", "**.example.com", "*", "m*.example.com", "example.*"] {
            #expect(throws: MXPatternError.misplacedWildcard, "\(bad)") { try MXPattern(bad) }
        }
    }

    @Test func baseMustBeAValidDomain() {
        #expect(throws: MXPatternError.invalidDomain(.tooFewLabels)) { try MXPattern("*.com") }
        #expect(throws: MXPatternError.invalidDomain(.empty)) { try MXPattern("*.") }
        #expect(throws: MXPatternError.invalidDomain(.nonASCII)) { try MXPattern("*.bücher.de") }
        #expect(throws: MXPatternError.invalidDomain(.invalidCharacter("_"))) { try MXPattern("mail_1.example.com") }
    }

    @Test func descriptionIsNormalised() throws {
        #expect(try MXPattern("*.Example.COM.").description == "*.example.com")
        #expect(try MXPattern("Mail.Example.com").description == "mail.example.com")
        #expect(try MXPattern("*.example.com").isWildcard)
        #expect(MXPattern(exactly: try host("mx.example.org")).description == "mx.example.org")
    }

    @Test func anyMatchesAndPolicyCoverage() throws {
        let patterns = [try MXPattern("mail.example.com"), try MXPattern("*.example.net")]
        #expect(MXPattern.anyMatches(patterns, try host("mx1.example.net")))
        #expect(!MXPattern.anyMatches(patterns, try host("example.net")))
        #expect(!MXPattern.anyMatches([], try host("mail.example.com")))
        let policy = STSPolicy(mode: .enforce, maxAge: 86400, mx: patterns)
        #expect(policy.covers(try host("mail.example.com")))
        #expect(!policy.covers(try host("backup.example.com")))
        let hosts = try ["mail.example.com", "backup.example.com", "a.example.net", "a.b.example.net"].map(host)
        #expect(STSPolicyParser.uncoveredMX(policy, hosts: hosts).map(\.value) == ["backup.example.com", "a.b.example.net"])
        let issues = STSPolicyParser.coverageIssues(policy, hosts: hosts)
        #expect(issues.map(\.code) == ["mta-sts.policy-mx-uncovered", "mta-sts.policy-mx-uncovered"])
        #expect(issues.map(\.subject) == ["backup.example.com", "a.b.example.net"])
        #expect(issues.hasErrors)
    }

    @Test func codable() throws {
        let patterns = [try MXPattern("*.example.com"), try MXPattern("mail.example.org")]
        let data = try JSONEncoder().encode(patterns)
        #expect(String(decoding: data, as: UTF8.self) == #"["*.example.com","mail.example.org"]"#)
        #expect(try JSONDecoder().decode([MXPattern].self, from: data) == patterns)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([MXPattern].self, from: Data(#"[".example.com"]"#.utf8)) }
    }
}
