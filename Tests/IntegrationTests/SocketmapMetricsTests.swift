import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadNetwork
import PreloadSocketmap
import PreloadTesting
import Testing

/// `--metrics-listen`: the Prometheus endpoint scraped over real HTTP after real lookups against the test bed's
/// unbound and nginx.
@Suite struct SocketmapMetricsTests {
    @Test func theEndpointCountsRealLookups() async throws {
        let exporter = PrometheusExporter()
        let live = try await TestBedMTASTS("metrics", metrics: exporter.metrics.mtaSTS)
        let (mtaSTS, clock, logger) = (live.resolver, live.clock, live.logger)
        let expires = clock.now().adding(days: 7)
        let list = StaticListProvider([
            try DomainName("no-sts.test"): ListEntryPolicy(mode: .enforce, mx: [try MXPattern("mx1.no-sts.test")], listExpires: expires),
            try DomainName("policy-404.test"): ListEntryPolicy(mode: .enforce, mx: [try MXPattern("mx1.policy-404.test")], listExpires: expires),
        ])
        let resolver = PreloadPolicyResolver(mtaSTS: mtaSTS, list: list, clock: clock)
        let server = try await SocketmapServer.start(
            configuration: SocketmapConfiguration(listen: .tcp(host: "127.0.0.1", port: 0)), resolver: resolver, logger: logger,
            metrics: exporter.metrics)
        let port = try #require(server.port)
        let endpoint = try await exporter.start(host: "127.0.0.1", port: 0, logger: logger) {
            exporter.metrics.record(list: nil)
            exporter.metrics.connections.record(Double(server.connectionCount))
        }
        let metricsPort = try #require(endpoint.port)

        // Before any query every series is there, at 0.
        let before = Exposition(try await onThread { try httpRequest(port: metricsPort, path: "/metrics") }.body)
        for source in ["mta-sts", "list", "none", "temp", "dane"] {
            #expect(before["preload_socketmap_queries_total{source=\"\(source)\"}"] == 0, "\(source)")
        }
        #expect(before["preload_mta_sts_cache_hits_total"] == 0 && before["preload_mta_sts_cache_misses_total"] == 0)
        #expect(before["preload_mta_sts_policy_fetch_duration_seconds_count{result=\"ok\"}"] == 0)
        #expect(before["preload_list_serial"] == 0)

        let domains = ["good.test", "sts-cname.test", "policy-testing.test", "policy-none.test",  // MTA-STS decides
                       "no-sts.test", "policy-404.test",  // the list decides
                       "policy-wrong-name.test", "sts-txt-multiple.test",  // nothing applies
                       "dns-fail.test"]  // TEMP
        let replies = try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 60)
            var replies: [String?] = []
            for _ in 0..<2 {  // looked up, then from the cache
                for domain in domains { replies.append(try client.ask("postfix \(domain)")) }
            }
            replies.append(try client.ask("postfix [192.0.2.1]"))  // no policy: none
            replies.append(try client.ask("nomap"))  // malformed
            return replies
        }
        #expect(replies.count == 20 && replies[0] == "OK secure match=.good.test servername=hostname"
                && replies[8] == "TEMP MTA-STS lookup failed: SERVFAIL" && replies[9] == replies[0])

        let (status, headers, body) = try await onThread { try httpRequest(port: metricsPort, path: "/metrics") }
        #expect(status == 200)
        #expect(headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let after = Exposition(body)
        #expect(after["preload_socketmap_queries_total{source=\"mta-sts\"}"] == 8)
        #expect(after["preload_socketmap_queries_total{source=\"list\"}"] == 4)
        #expect(after["preload_socketmap_queries_total{source=\"none\"}"] == 5)
        #expect(after["preload_socketmap_queries_total{source=\"temp\"}"] == 2)
        #expect(after["preload_socketmap_malformed_requests_total"] == 1)
        #expect(after["preload_mta_sts_cache_misses_total"] == 9)  // the first round
        #expect(after["preload_mta_sts_cache_hits_total"] == 9)  // the second round
        // Policy fetches: four policies served, two failures (404, certificate for the wrong name).
        #expect(after["preload_mta_sts_policy_fetch_duration_seconds_count{result=\"ok\"}"] == 4)
        #expect(after["preload_mta_sts_policy_fetch_duration_seconds_count{result=\"failed\"}"] == 2)
        let okSum = try #require(after["preload_mta_sts_policy_fetch_duration_seconds_sum{result=\"ok\"}"])
        #expect(okSum > 0 && okSum < 60)  // seconds, not nanoseconds
        #expect(after["preload_mta_sts_policy_fetch_duration_seconds_bucket{result=\"ok\",le=\"60.0\"}"] == 4)
        // The client is gone: the gauge drops to 0 once the server has read its end of stream, which it does
        // on its own event loop (scrape again until then, at most 100 times).
        var connections = after["preload_socketmap_connections"]
        for _ in 0..<100 where connections != 0 {
            try await Task.sleep(for: .milliseconds(50))
            connections = Exposition(try await onThread { try httpRequest(port: metricsPort, path: "/metrics") }.body)["preload_socketmap_connections"]
        }
        #expect(connections == 0)
        #expect(body.contains("# TYPE preload_socketmap_queries_total counter"))
        #expect(body.contains("# TYPE preload_mta_sts_policy_fetch_duration_seconds histogram"))
        #expect(body.contains("# HELP preload_mta_sts_cache_hits_total "))
        #expect(!body.contains(".test"))  // no domain name is ever a label

        let notFound = try await onThread { try httpRequest(port: metricsPort, path: "/") }
        #expect(notFound.status == 404)
        let post = try await onThread { try httpRequest(port: metricsPort, method: "POST", path: "/metrics") }
        #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")

        await endpoint.shutdown()
        await server.shutdown()
    }
}
