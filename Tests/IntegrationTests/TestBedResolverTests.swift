import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadNetwork
import PreloadSocketmap
import PreloadTesting
import Testing

/// The live MTA-STS path (libunbound + libcurl + the parsers + the cache + the merge + the socketmap)
/// against the test bed's real unbound and nginx.
@Suite struct TestBedResolverTests {
    @Test func liveDecisionsThroughTheSocketmap() async throws {
        let live = try await TestBedMTASTS("testbed-client")
        let (mtaSTS, clock, logger) = (live.resolver, live.clock, live.logger)
        // `listed.test` has no MTA-STS at all; `policy-404.test` announces a policy it cannot serve;
        // `policy-none.test` opted out. The list covers all three.
        let expires = clock.now().adding(days: 7)
        let list = StaticListProvider([
            try DomainName("no-sts.test"): ListEntryPolicy(mode: .enforce, mx: [try MXPattern("mx1.no-sts.test")], listExpires: expires),
            try DomainName("policy-404.test"): ListEntryPolicy(mode: .enforce, mx: [try MXPattern("mx1.policy-404.test")], listExpires: expires),
            try DomainName("policy-none.test"): ListEntryPolicy(mode: .enforce, mx: [try MXPattern("mx1.policy-none.test")], listExpires: expires),
        ])
        let resolver = PreloadPolicyResolver(mtaSTS: mtaSTS, list: list, clock: clock)
        let server = try await SocketmapServer.start(
            configuration: SocketmapConfiguration(listen: .tcp(host: "127.0.0.1", port: 0)), resolver: resolver, logger: logger)
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 60)
            return try ["good.test", "sts-cname.test", "policy-testing.test", "policy-none.test", "no-sts.test",
                        "policy-404.test", "policy-wrong-name.test", "dns-fail.test", "sts-txt-multiple.test"]
                .map { try client.ask("postfix \($0)") }
        }
        #expect(replies == [
            "OK secure match=.good.test servername=hostname",  // MTA-STS enforce
            "OK secure match=mx1.sts-cname.test servername=hostname",  // TXT through a CNAME
            "NOTFOUND ",  // MTA-STS testing: logged, not enforced
            "NOTFOUND ",  // mode none wins over the list entry
            "OK secure match=mx1.no-sts.test servername=hostname",  // no MTA-STS: the list applies
            "OK secure match=mx1.policy-404.test servername=hostname",  // fetch failed: the list protects first contact
            "NOTFOUND ",  // fetch failed (bad certificate), unlisted: opportunistic
            "TEMP MTA-STS lookup failed: SERVFAIL",  // lookup failed, nothing cached or listed: defer
            "NOTFOUND ",  // two v=STSv1 records: no MTA-STS
        ])
        #expect(await mtaSTS.entry(for: try DomainName("good.test"))?.policyID == "testbed1")
        await server.shutdown()
    }
}
