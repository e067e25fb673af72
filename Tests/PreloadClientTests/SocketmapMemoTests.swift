import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadSocketmap
import PreloadTesting
import Testing

private let start = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!

private func quiet() -> Logger {
    var logger = Logger(label: "memo")
    logger.logLevel = .critical
    return logger
}

private func enforce(_ mx: String, maxAge: Int = 3600) -> STSPolicy {
    STSPolicy(mode: .enforce, maxAge: maxAge, mx: [try! MXPattern(mx)])
}

/// Replies made from memory are reused only within their decision epoch: the same second, the same list and
/// the same MTA-STS cache. Each test changes one of them while the other two stay put.
@Suite(.serialized) struct SocketmapMemoTests {
    /// The MTA-STS cache changes within the same second (a proactive refresh fetched a new policy): the next
    /// answer is the new policy, not the reply remembered a moment ago.
    @Test func aChangedMTASTSCacheIsAnsweredAtOnce() async throws {
        let domain = try DomainName("example.com")
        let source = FakeSTSSource()
        await source.set(domain, .record(id: "a1"), .policy(enforce("mx1.example.com")))
        let clock = TestClock(start)
        let exporter = PrometheusExporter()
        let mtaSTS = try await MTASTSResolver(source: source, store: InMemorySTSCacheStore(), clock: clock,
                                              metrics: exporter.metrics.mtaSTS, logger: quiet())
        let resolver = PreloadPolicyResolver(mtaSTS: mtaSTS, list: StaticListProvider([:]), clock: clock)
        let server = try await SocketmapServer.start(
            configuration: SocketmapConfiguration(listen: .tcp(host: "127.0.0.1", port: 0)), resolver: resolver,
            logger: quiet(), metrics: exporter.metrics)
        let port = try #require(server.port)
        let client = try await onThread { UncheckedBox(try RawSocketClient(port: port)) }

        let first = try await onThread { try (0..<5).map { _ in try client.value.ask("postfix example.com") } }
        #expect(first == Array(repeating: "OK secure match=mx1.example.com servername=hostname", count: 5))

        await source.set(domain, .record(id: "a2"), .policy(enforce("mx2.example.com")))
        _ = await mtaSTS.refreshExpiring()  // same second: only the cache changed
        let second = try await onThread { try (0..<3).map { _ in try client.value.ask("postfix example.com") } }
        #expect(second == Array(repeating: "OK secure match=mx2.example.com servername=hostname", count: 3))

        // Counted as if each answer had been made anew: 8 answers, 1 lookup, 7 from the cache.
        let text = Exposition(String(decoding: exporter.render(), as: UTF8.self))
        #expect(text["preload_socketmap_queries_total{source=\"mta-sts\"}"] == 8)
        #expect(text["preload_mta_sts_cache_misses_total"] == 1)
        #expect(text["preload_mta_sts_cache_hits_total"] == 7)
        await server.shutdown()
    }

    /// A new second: a policy that expires at it is no longer answered from the reply remembered just before.
    @Test func aNewSecondIsANewEpoch() async throws {
        let domain = try DomainName("example.com")
        let source = FakeSTSSource()
        await source.set(domain, .record(id: "a1"), .policy(enforce("mx1.example.com", maxAge: 30)))
        let clock = TestClock(start)
        let mtaSTS = try await MTASTSResolver(source: source, store: InMemorySTSCacheStore(), clock: clock,
                                              settings: MTASTSCacheSettings(recheckInterval: 3600), logger: quiet())
        let list = StaticListProvider([domain: ListEntryPolicy(mode: .enforce, mx: [try MXPattern("listed.example.com")],
                                                               listExpires: start.adding(days: 7))])
        let resolver = PreloadPolicyResolver(mtaSTS: mtaSTS, list: list, clock: clock)
        let server = try await SocketmapServer.start(
            configuration: SocketmapConfiguration(listen: .tcp(host: "127.0.0.1", port: 0)), resolver: resolver, logger: quiet())
        let port = try #require(server.port)
        let client = try await onThread { UncheckedBox(try RawSocketClient(port: port)) }
        #expect(try await onThread { try client.value.ask("postfix example.com") } == "OK secure match=mx1.example.com servername=hostname")
        #expect(try await onThread { try client.value.ask("postfix example.com") } == "OK secure match=mx1.example.com servername=hostname")
        clock.advance(30)  // the policy expires now; the cache needs no lookup (recheck after an hour): the list applies
        #expect(try await onThread { try client.value.ask("postfix example.com") } == "OK secure match=listed.example.com servername=hostname")
        await server.shutdown()
    }

    /// `preload sync` installs a new list within the same second: once the daemon has seen it, no reply
    /// remembered from the old list is sent again.
    @Test func aNewListIsAnsweredAtOnce() async throws {
        let root = try temporaryDirectory("memo-list")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        let provider = InstalledListProvider(state: state, checkInterval: .milliseconds(200), logger: quiet(), verify: fakeVerify)
        _ = try state.install(list: Array("1:a.example".utf8), signature: "signed", serial: 1)
        let resolver = PreloadPolicyResolver(mtaSTS: nil, list: provider, clock: TestClock(start))
        let server = try await SocketmapServer.start(
            configuration: SocketmapConfiguration(listen: .tcp(host: "127.0.0.1", port: 0)), resolver: resolver, logger: quiet())
        let port = try #require(server.port)
        let client = try await onThread { UncheckedBox(try RawSocketClient(port: port)) }
        let listed = "OK secure match=mx.a.example servername=hostname"
        #expect(try await onThread { try (0..<5).map { _ in try client.value.ask("postfix a.example") } }
                == Array(repeating: listed, count: 5))

        _ = try state.install(list: Array("2:b.example".utf8), signature: "signed", serial: 2)
        try await Task.sleep(for: .milliseconds(300))  // the check for a new list is due again
        let after = try await onThread { try (0..<5).map { _ in try client.value.ask("postfix a.example") } }
        #expect(after == Array(repeating: "NOTFOUND ", count: 5))
        #expect(try await onThread { try client.value.ask("postfix b.example") } == "OK secure match=mx.b.example servername=hostname")
        await server.shutdown()
    }
}
