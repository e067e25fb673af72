import Foundation
import PreloadClient
import PreloadCore
import PreloadNetwork
import PreloadTesting
import Testing

/// The client's decision with DANE from a validating resolver, over the test bed's signed zone: DANE first,
/// bogus defers, and a DANE destination is never answered `secure`, whatever the list says.
@Suite struct DANEResolveTests {
    private func resolver(listing: [String]) async throws -> PreloadPolicyResolver {
        let bed = try await NetTestBed.shared
        let evaluator = try #require(try UnboundDANEEvaluator.validating(
            dns: bed.dns.server, trustAnchor: try bed.requireTrustAnchor(), timeout: 5))
        let now = Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970))
        var entries: [DomainName: ListEntryPolicy] = [:]
        for name in listing {
            let domain = try DomainName(name)
            entries[domain] = ListEntryPolicy(mode: .enforce, mx: [try MXPattern("*.\(name)")], listExpires: now.adding(days: 7))
        }
        return PreloadPolicyResolver(mtaSTS: nil, list: StaticListProvider(entries), clock: FixedTime(now), dane: evaluator)
    }

    @Test func daneDecidesFirst() async throws {
        let listed = ["ee.dane.test", "renewed.dane.test", "bogus.dane.test", "insecure.dane.test", "sts.dane.test",
                      "pkix.dane.test", "cname.dane.test"]
        let resolver = try await resolver(listing: listed)
        let want: [String: PostfixLookupAnswer?] = [
            "ee.dane.test": .found("dane-only"),
            "renewed.dane.test": .found("dane-only"),  // Postfix then finds the mismatch and defers
            "cname.dane.test": .found("dane-only"),
            "sts.dane.test": .found("dane-only"),  // listed and MTA-STS, but DANE wins: never `secure`
            "bogus.dane.test": nil,  // TEMP
            "insecure.dane.test": .found(PostfixMap.secureValue(domain: try DomainName("insecure.dane.test"),
                                                                patterns: [try MXPattern("*.insecure.dane.test")])),
            "pkix.dane.test": .found(PostfixMap.secureValue(domain: try DomainName("pkix.dane.test"),
                                                            patterns: [try MXPattern("*.pkix.dane.test")])),
        ]
        for name in listed {
            let decision = await resolver.resolve(try DomainName(name))
            let answer = PostfixMap.answer(for: decision)
            switch want[name]! {
            case .some(let expected):
                #expect(answer == expected, "\(name): \(answer) — \(decision.note)")
            case .none:
                guard case .temporaryFailure(let why) = answer else {
                    Issue.record("\(name): \(answer)")
                    continue
                }
                #expect(why.contains("signature expired"), "\(name): \(why)")
            }
        }
    }

    @Test func unusableRecordsWithoutAListEntryGiveDANE() async throws {
        let resolver = try await resolver(listing: [])
        let decision = await resolver.resolve(try DomainName("pkix.dane.test"))
        #expect(decision.source == .dane && decision.daneLevel == .dane)
        #expect(PostfixMap.answer(for: decision) == .found("dane"))
        #expect(resolver.resolveImmediately(try DomainName("ee.dane.test")) == nil)  // DANE is always looked up live
    }
}
