import Foundation
import PreloadClient
import PreloadCore
import Testing

private let now = Timestamp(rfc3339: "2026-03-01T12:00:00Z")!

private func entry(_ domain: String, _ policy: EntryPolicy) -> ListEntry {
    ListEntry(domain: try! DomainName(domain), policy: policy,
              provenance: Provenance(method: .manual, added: now, verified: now))
}

private func patterns(_ texts: String...) -> [MXPattern] { texts.map { try! MXPattern($0) } }

private func sampleList(expires: Timestamp = now.adding(days: 14)) -> PreloadList {
    PreloadList(
        serial: 42, generated: now, expires: expires, publisher: "Example Preload\nInjected: line",
        aliases: ["provider": AliasPolicy(mode: .enforce, mx: patterns("*.mx.provider.net"))],
        entries: [
            // Deliberately out of order: the output is sorted by domain.
            entry("zeta.example", .patterns(mode: .testing, mx: patterns("mx.zeta.example"))),
            entry("alpha.example", .patterns(mode: .enforce, mx: patterns("mx2.alpha.example", "mx1.alpha.example", "mx1.alpha.example"))),
            entry("hosted.example", .alias("provider")),
            entry("broken.example", .alias("missing")),
        ])
}

@Suite struct PostfixMapTests {
    @Test func matchArgumentTranslatesWildcardsSortsAndDeduplicates() {
        #expect(PostfixMap.matchArgument(patterns("mx2.example.com", "*.example.com", "mx1.example.com", "mx2.example.com"))
                == ".example.com:mx1.example.com:mx2.example.com")
    }

    @Test func secureValueForEachVersion() {
        let d = try! DomainName("example.com")
        let p = patterns("mx.example.com", "*.mail.example.com")
        #expect(PostfixMap.secureValue(domain: d, patterns: p)
                == "secure match=.mail.example.com:mx.example.com servername=hostname")
        #expect(PostfixMap.secureValue(domain: d, patterns: p, version: PostfixVersion("3.10")!)
                == "secure match=.mail.example.com:mx.example.com servername=hostname policy_type=sts policy_domain=example.com mx_host_pattern=*.mail.example.com mx_host_pattern=mx.example.com")
        #expect(PostfixMap.secureValue(domain: d, patterns: p, version: PostfixVersion("3.3")!)
                == "secure match=.mail.example.com:mx.example.com")
    }

    @Test func staticTable() {
        let text = PostfixMap.render(list: sampleList(), now: now)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let entries = lines.filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(entries == [
            "alpha.example secure match=mx1.alpha.example:mx2.alpha.example servername=hostname",
            "hosted.example secure match=.mx.provider.net servername=hostname",
        ])
        #expect(lines.contains("# zeta.example testing, not enforced: match=mx.zeta.example"))
        #expect(lines.contains { $0.hasPrefix("# broken.example: skipped") })
        #expect(lines.contains { $0.contains("List serial 42") && $0.contains("expires 2026-03-15T12:00:00Z") })
        #expect(lines.contains { $0.hasPrefix("# Wildcards:") })
        // The publisher's newline cannot start a new (uncommented) line.
        #expect(!lines.contains { $0.hasPrefix("Injected") })
        #expect(text.hasSuffix("\n"))
        // Comments and entries only: every non-empty line is either a comment or a `DOMAIN secure …` entry.
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("#") || $0.contains(" secure match=") })
    }

    @Test func tableIsDeterministic() {
        var shuffled = sampleList()
        shuffled.entries.reverse()
        #expect(PostfixMap.render(list: shuffled, now: now) == PostfixMap.render(list: sampleList(), now: now))
    }

    @Test func noWildcardNoWideningNote() {
        var list = sampleList()
        list.entries = [entry("alpha.example", .patterns(mode: .enforce, mx: patterns("mx1.alpha.example")))]
        #expect(!PostfixMap.render(list: list, now: now).contains("# Wildcards:"))
    }

    @Test func tlsrptAttributesFor310() {
        let text = PostfixMap.render(list: sampleList(), now: now, version: PostfixVersion("3.10.5")!)
        #expect(text.contains("hosted.example secure match=.mx.provider.net servername=hostname policy_type=sts policy_domain=hosted.example mx_host_pattern=*.mx.provider.net\n"))
        #expect(text.contains("smtp_tls_enforce_sts_mx_patterns"))
    }

    @Test func expiredListEnforcesNothing() {
        let text = PostfixMap.render(list: sampleList(expires: now), now: now)
        let entries = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(entries.isEmpty)
        #expect(text.contains("EXPIRED"))
    }

    @Test func answersForDecisions() {
        let d = try! DomainName("example.com")
        let enforce = TLSPolicyDecision(domain: d, source: .preload, mode: .enforce, mx: patterns("mx.example.com"),
                                        validUntil: now, note: "n")
        #expect(PostfixMap.answer(for: enforce) == .found("secure match=mx.example.com servername=hostname"))
        var testing = enforce
        testing.mode = .testing
        #expect(PostfixMap.answer(for: testing) == .notFound)
        let none = TLSPolicyDecision(domain: d, source: .mtaSTS, mode: .none, note: "n")
        #expect(PostfixMap.answer(for: none) == .notFound)
        let deferred = TLSPolicyDecision(domain: d, source: .none, mode: .none, temporaryFailure: "SERVFAIL", note: "n")
        #expect(PostfixMap.answer(for: deferred) == .temporaryFailure("SERVFAIL"))
    }

    @Test func postfixVersionParsing() {
        #expect(PostfixVersion("3.10") == PostfixVersion(3, 10))
        #expect(PostfixVersion("3.10.5")! > PostfixVersion("3.10")!)
        #expect(PostfixVersion("3.9")! < PostfixVersion("3.10")!)
        #expect(PostfixVersion("3.10")!.supportsTLSRPTAttributes)
        #expect(!PostfixVersion("3.9.9")!.supportsTLSRPTAttributes)
        for bad in ["", "3.", "x.1", "3.10.5.1", "-3", "3.10a"] { #expect(PostfixVersion(bad) == nil, "\(bad)") }
    }

    @Test func decisionJSON() throws {
        let d = try DomainName("example.com")
        let decision = TLSPolicyDecision(domain: d, source: .mtaSTS, mode: .enforce, mx: patterns("*.example.com"),
                                         validUntil: now, note: "n")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(decision), as: UTF8.self)
        #expect(json == #"{"domain":"example.com","mode":"enforce","mx":["*.example.com"],"note":"n","source":"mta-sts","valid_until":"2026-03-01T12:00:00Z"}"#)
        let none = TLSPolicyDecision(domain: d, source: .none, mode: .none, temporaryFailure: "t", note: "n")
        let noneJSON = String(decoding: try encoder.encode(none), as: UTF8.self)
        #expect(noneJSON == #"{"domain":"example.com","mode":"none","mx":[],"note":"n","source":"none","temporary_failure":"t","valid_until":null}"#)
    }
}
