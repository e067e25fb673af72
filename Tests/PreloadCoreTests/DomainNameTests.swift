import Foundation
import PreloadCore
import PreloadIDNA
import Testing

@Suite struct DomainNameTests {
    /// The error `input` is rejected with, or `nil` when it is accepted.
    private func error(_ input: String) -> DomainNameError? {
        do {
            _ = try DomainName(input)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("example.com", "example.com"),
        ("Mail.Example.COM", "mail.example.com"),
        ("mail.example.com.", "mail.example.com"),  // one trailing dot removed
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("a-b.c-d.example", "a-b.c-d.example"),
        ("123.example.com", "123.example.com"),  // digits are fine, except in the last label
        ("a.b", "a.b"),
    ])
    func normalises(input: String, expected: String) throws {
        #expect(try DomainName(input).value == expected)
    }

    @Test func labelAndNameLengthLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(try DomainName(label63 + ".com").value == label63 + ".com")
        #expect(error(label63 + "a.com") == .labelTooLong(label: label63 + "a"))
        // 4 × 63 + 3 dots = 255: too long; trim to exactly 253.
        let long = [label63, label63, label63, label63].joined(separator: ".")
        #expect(error(long) == .tooLong(length: 255))
        let exactly253 = String(long.dropFirst(2))
        #expect(exactly253.count == 253)
        #expect(try DomainName(exactly253).value == exactly253)
        #expect(try DomainName(exactly253 + ".").value == exactly253, "the trailing dot does not count")
        #expect(error("b" + exactly253) == .tooLong(length: 254))
    }

    @Test(arguments: [
        ("", DomainNameError.empty),
        (".", .empty),
        ("a..b", .emptyLabel),
        (".example.com", .emptyLabel),
        ("example.com..", .emptyLabel),
        ("-mail.example.com", .hyphenAtLabelEdge(label: "-mail")),
        ("mail-.example.com", .hyphenAtLabelEdge(label: "mail-")),
        ("mail_1.example.com", .invalidCharacter("_")),
        ("_mta-sts.example.com", .invalidCharacter("_")),
        ("mail example.com", .invalidCharacter(" ")),
        ("*.example.com", .invalidCharacter("*")),
        ("localhost", .tooFewLabels),
        ("com.", .tooFewLabels),
        ("192.0.2.1", .ipLiteral),
        ("[192.0.2.1]", .ipLiteral),
        ("2001:db8::1", .ipLiteral),
        ("[IPv6:2001:db8::1]", .ipLiteral),
        ("example.123", .ipLiteral),
        ("bücher.de", .nonASCII),
    ])
    func rejects(input: String, expected: DomainNameError) {
        #expect(error(input) == expected)
    }

    @Test func errorCodesAreStableAndIssuesUseTheCatalogue() {
        let cases: [(DomainNameError, String)] = [
            (.empty, "domain.empty"), (.tooLong(length: 300), "domain.too-long"), (.emptyLabel, "domain.empty-label"),
            (.labelTooLong(label: "x"), "domain.label-too-long"), (.invalidCharacter("_"), "domain.invalid-character"),
            (.hyphenAtLabelEdge(label: "-a"), "domain.hyphen-at-label-edge"), (.tooFewLabels, "domain.too-few-labels"),
            (.ipLiteral, "domain.ip-literal"), (.nonASCII, "domain.non-ascii"), (.idna("x"), "domain.idna"),
        ]
        for (error, code) in cases {
            #expect(error.code == code)
            #expect(!error.description.isEmpty)
        }
        let issue = DomainNameError.tooFewLabels.issue(for: "localhost")
        #expect(issue.code == "domain.invalid")
        #expect(issue.severity == .error)
        #expect(issue.subject == "localhost")
        #expect(issue.code.entry != nil)
    }

    @Test func normalisingConvertsULabelsWithIDNA() throws {
        let idna = LibIDN2Converter()
        #expect(try DomainName(normalizing: "Bücher.DE", idna: idna).value == "xn--bcher-kva.de")
        #expect(try DomainName(normalizing: "bücher.de.", idna: idna).value == "xn--bcher-kva.de")
        #expect(try DomainName(normalizing: "MAIL.example.com", idna: idna).value == "mail.example.com")
        #expect(throws: DomainNameError.self) { try DomainName(normalizing: "bücher", idna: idna) }
        #expect(throws: DomainNameError.self) { try DomainName(normalizing: "a\u{E000}.de", idna: idna) }
    }

    @Test func labelsParentAndSubdomains() throws {
        let name = try DomainName("a.mail.example.com")
        #expect(name.labels == ["a", "mail", "example", "com"])
        #expect(name.parent?.value == "mail.example.com")
        #expect(try DomainName("example.com").parent == nil, "a single label is not a domain name")
        #expect(name.isSubdomain(of: try DomainName("example.com")))
        #expect(name.isSubdomain(of: name))
        #expect(!name.isSubdomain(of: try DomainName("ample.com")))
        #expect(try DomainName("a.com") < DomainName("b.com"))
        #expect(DomainName.isValid("example.org"))
        #expect(!DomainName.isValid("example"))
    }

    @Test func codableRoundTripAndStrictDecoding() throws {
        let name = try DomainName("Mail.Example.com")
        let data = try JSONEncoder().encode([name])
        #expect(String(decoding: data, as: UTF8.self) == #"["mail.example.com"]"#)
        #expect(try JSONDecoder().decode([DomainName].self, from: data) == [name])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([DomainName].self, from: Data(#"["not a name"]"#.utf8))
        }
    }
}
