import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadTesting
import Testing

private struct FakeDNS: TXTResolving {
    var answers: [String: TXTAnswer]
    func txt(_ name: String) async -> TXTAnswer { answers[name] ?? .noRecords }
}

private struct FakeHTTPS: PolicyBodyFetching {
    var bodies: [String: PolicyBodyResult]
    func fetchPolicyBody(_ domain: DomainName) async -> PolicyBodyResult { bodies[domain.value] ?? .failed("HTTP 404") }
}

private func txt(_ records: String...) -> TXTAnswer { .records(records.map { Array($0.utf8) }) }

private let start = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!

@Suite struct PolicyResolverTests {
    @Test func discoveryParsesTheRecordSet() async throws {
        let source = NetworkMTASTSSource(dns: FakeDNS(answers: [
            "_mta-sts.valid.example": txt("v=STSv1; id=20260301T000000", "some other record"),
            "_mta-sts.two.example": txt("v=STSv1; id=a", "v=STSv1; id=b"),
            "_mta-sts.broken.example": txt("v=STSv1; id=not-valid!"),
            "_mta-sts.down.example": .failed("SERVFAIL"),
        ]), https: FakeHTTPS(bodies: [:]))
        #expect(await source.discover(try DomainName("valid.example")) == .record(id: "20260301T000000"))
        #expect(await source.discover(try DomainName("two.example")) == .noRecord)
        #expect(await source.discover(try DomainName("broken.example")) == .noRecord)
        #expect(await source.discover(try DomainName("absent.example")) == .noRecord)
        #expect(await source.discover(try DomainName("down.example")) == .failed("SERVFAIL"))
    }

    @Test func fetchParsesThePolicy() async throws {
        let good = "version: STSv1\r\nmode: enforce\r\nmx: mx.good.example\r\nmx: *.mx.good.example\r\nmax_age: 604800\r\n"
        let source = NetworkMTASTSSource(dns: FakeDNS(answers: [:]), https: FakeHTTPS(bodies: [
            "good.example": .body(Array(good.utf8)),
            "bad.example": .body(Array("version: STSv1\nmode: Enforce\nmax_age: 10\n".utf8)),
        ]))
        #expect(await source.fetch(try DomainName("good.example"))
                == .policy(STSPolicy(mode: .enforce, maxAge: 604800, mx: [try MXPattern("mx.good.example"), try MXPattern("*.mx.good.example")])))
        guard case .failed(let why) = await source.fetch(try DomainName("bad.example")) else {
            Issue.record("an invalid policy must not be used")
            return
        }
        #expect(why.contains("mta-sts.policy-invalid") || why.contains("mta-sts."))
        #expect(await source.fetch(try DomainName("none.example")) == .failed("HTTP 404"))
    }

    @Test func theResolverMergesCacheAndList() async throws {
        let sts = FakeSTSSource()
        let both = try DomainName("both.example")
        let listed = try DomainName("listed.example")
        let optedOut = try DomainName("opted-out.example")
        await sts.set(both, .record(id: "1"), .policy(STSPolicy(mode: .testing, maxAge: 3600, mx: [try MXPattern("mx.both.example")])))
        await sts.set(optedOut, .record(id: "1"), .policy(STSPolicy(mode: .none, maxAge: 3600, mx: [])))
        let clock = TestClock(start)
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let cache = try await MTASTSResolver(source: sts, store: InMemorySTSCacheStore(), clock: clock, logger: logger)
        let expires = start.adding(days: 14)
        let list = StaticListProvider([
            both: ListEntryPolicy(mode: .enforce, mx: [try MXPattern("mx.both.example")], listExpires: expires),
            listed: ListEntryPolicy(mode: .enforce, mx: [try MXPattern("*.listed.example")], listExpires: expires),
            optedOut: ListEntryPolicy(mode: .enforce, mx: [try MXPattern("mx.opted-out.example")], listExpires: expires),
        ])
        let resolver = PreloadPolicyResolver(mtaSTS: cache, list: list, clock: clock)
        let a = await resolver.resolve(both)
        #expect(a.source == .mtaSTS && a.mode == .testing)
        let b = await resolver.resolve(listed)
        #expect(b.source == .preload && b.enforced && b.validUntil == expires)
        let c = await resolver.resolve(optedOut)
        #expect(c.source == .mtaSTS && c.mode == .none)
        let d = await resolver.resolve(try DomainName("nothing.example"))
        #expect(d.source == .none && d.temporaryFailure == nil)

        let listOnly = PreloadPolicyResolver(mtaSTS: nil, list: list, clock: clock)
        #expect(await listOnly.resolve(both).source == .preload)
        clock.advance(15 * 86400)
        #expect(await listOnly.resolve(both).source == .none)  // the list expired
    }

    @Test func reloadingFileFollowsReplacementsAndKeepsTheLastGoodVersion() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("value").path
        func install(_ text: String) throws {
            let tmp = dir.appendingPathComponent("tmp-\(UUID().uuidString)").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
            #expect(rename(tmp, path) == 0)
        }
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let watched = ReloadingFile<Int>(path: path, checkInterval: .zero, logger: logger) { path in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let n = Int(text) else { throw ClientError(description: "not a number") }
            return n
        }
        #expect(await watched.current() == nil)
        try install("1")
        #expect(await watched.current() == 1)
        try install("2")
        #expect(await watched.current() == 2)
        try install("garbage")
        #expect(await watched.current() == 2)  // the last good version stays
        try FileManager.default.removeItem(atPath: path)
        #expect(await watched.current() == 2)
        try install("3")
        #expect(await watched.current() == 3)
    }
}
