import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadTesting
import Testing

/// Scripted MTA-STS network answers, with counters.
actor FakeSTSSource: MTASTSSource {
    var discovery: [DomainName: STSDiscovery] = [:]
    var fetchResult: [DomainName: STSFetchResult] = [:]
    var delay: Duration?
    private(set) var discoveries = 0
    private(set) var fetches = 0

    func set(_ domain: DomainName, _ discovery: STSDiscovery, _ fetch: STSFetchResult? = nil) {
        self.discovery[domain] = discovery
        if let fetch { fetchResult[domain] = fetch }
    }
    func setDelay(_ delay: Duration?) { self.delay = delay }

    func discover(_ domain: DomainName) async -> STSDiscovery {
        discoveries += 1
        if let delay { try? await Task.sleep(for: delay) }
        return discovery[domain] ?? .noRecord
    }

    func fetch(_ domain: DomainName) async -> STSFetchResult {
        fetches += 1
        return fetchResult[domain] ?? .failed("no policy scripted")
    }
}

private let start = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
private let example = try! DomainName("example.com")

private func policy(_ mode: STSMode, maxAge: Int = 3600, mx: String = "mx.example.com") -> STSPolicy {
    STSPolicy(mode: mode, maxAge: maxAge, mx: mode == .none ? [] : [try! MXPattern(mx)])
}

private func quietLogger() -> Logger {
    var logger = Logger(label: "mta-sts-test")
    logger.logLevel = .critical
    return logger
}

private func makeResolver(_ source: FakeSTSSource, _ clock: TestClock,
                          store: any STSCacheStore = InMemorySTSCacheStore()) async throws -> MTASTSResolver {
    try await MTASTSResolver(source: source, store: store, clock: clock, logger: quietLogger())
}

@Suite struct MTASTSResolverTests {
    @Test func fetchesOnceThenAnswersFromMemory() async throws {
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .policy(policy(.enforce)))
        let clock = TestClock(start)
        let resolver = try await makeResolver(source, clock)

        #expect(await resolver.state(for: example) == .policy(policy(.enforce), validUntil: start.adding(seconds: 3600)))
        clock.advance(30)
        #expect(await resolver.state(for: example) == .policy(policy(.enforce), validUntil: start.adding(seconds: 3600)))
        #expect(await source.discoveries == 1)  // within the recheck interval: no network
        #expect(await source.fetches == 1)

        clock.advance(60)  // past the recheck interval, same id: TXT only
        _ = await resolver.state(for: example)
        #expect(await source.discoveries == 2)
        #expect(await source.fetches == 1)
    }

    @Test func aChangedIDRefetches() async throws {
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .policy(policy(.testing)))
        let clock = TestClock(start)
        let resolver = try await makeResolver(source, clock)
        _ = await resolver.state(for: example)
        clock.advance(120)
        await source.set(example, .record(id: "a2"), .policy(policy(.enforce, maxAge: 600)))
        #expect(await resolver.state(for: example) == .policy(policy(.enforce, maxAge: 600), validUntil: start.adding(seconds: 720)))
        #expect(await source.fetches == 2)
    }

    @Test func aFailedFetchKeepsTheCachedPolicyAndWaitsFiveMinutes() async throws {
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .policy(policy(.enforce, maxAge: 86400)))
        let clock = TestClock(start)
        let resolver = try await makeResolver(source, clock)
        _ = await resolver.state(for: example)

        clock.advance(100)
        await source.set(example, .record(id: "a2"), .failed("HTTP 503"))
        let cached = MTASTSState.policy(policy(.enforce, maxAge: 86400), validUntil: start.adding(seconds: 86400))
        #expect(await resolver.state(for: example) == cached)
        #expect(await source.fetches == 2)

        clock.advance(100)  // recheck due, but the retry interval (300 s) is not over
        #expect(await resolver.state(for: example) == cached)
        #expect(await source.fetches == 2)
        #expect(await source.discoveries == 3)

        clock.advance(250)  // 350 s after the failure
        await source.set(example, .record(id: "a2"), .policy(policy(.none)))
        // A fetched `mode: none` replaces the cached policy.
        #expect(await resolver.state(for: example) == .policy(policy(.none), validUntil: start.adding(seconds: 450 + 3600)))
        #expect(await source.fetches == 3)
        let entry = try #require(await resolver.entry(for: example))
        #expect(entry.fetchFailure == nil && entry.policyID == "a2")
    }

    @Test func aFailedFetchWithNothingCachedMeansNoPolicy() async throws {
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .failed("certificate not valid for mta-sts.example.com"))
        let resolver = try await makeResolver(source, TestClock(start))
        guard case .noneKnown(let detail) = await resolver.state(for: example) else {
            Issue.record("expected no policy")
            return
        }
        #expect(detail?.contains("certificate") == true)
    }

    @Test func aMissingRecordNeverDeletesTheCachedPolicy() async throws {
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .policy(policy(.enforce)))
        let clock = TestClock(start)
        let resolver = try await makeResolver(source, clock)
        _ = await resolver.state(for: example)
        clock.advance(120)
        await source.set(example, .noRecord)
        #expect(await resolver.state(for: example) == .policy(policy(.enforce), validUntil: start.adding(seconds: 3600)))
        clock.advance(3600)  // now expired
        guard case .noneKnown = await resolver.state(for: example) else {
            Issue.record("an expired policy must not apply")
            return
        }
    }

    @Test func lookupFailures() async throws {
        let source = FakeSTSSource()
        await source.set(example, .failed("SERVFAIL"))
        let clock = TestClock(start)
        let resolver = try await makeResolver(source, clock)
        #expect(await resolver.state(for: example) == .lookupFailed(reason: "SERVFAIL"))

        // With a cached policy, a failed lookup keeps it.
        let other = try DomainName("other.example")
        await source.set(other, .record(id: "x"), .policy(policy(.enforce, mx: "mx.other.example")))
        _ = await resolver.state(for: other)
        clock.advance(120)
        await source.set(other, .failed("timeout"))
        guard case .policy = await resolver.state(for: other) else {
            Issue.record("a failed lookup must keep the cached policy")
            return
        }
    }

    @Test func anExpiredPolicyIsRefetchedEvenWithTheSameID() async throws {
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .policy(policy(.enforce, maxAge: 30)))
        let clock = TestClock(start)
        let resolver = try await makeResolver(source, clock)
        _ = await resolver.state(for: example)
        clock.advance(90)
        #expect(await resolver.state(for: example) == .policy(policy(.enforce, maxAge: 30), validUntil: start.adding(seconds: 120)))
        #expect(await source.fetches == 2)
    }

    @Test func proactiveRefreshFetchesPoliciesNearExpiry() async throws {
        let source = FakeSTSSource()
        let soon = try DomainName("soon.example")
        let later = try DomainName("later.example")
        await source.set(soon, .record(id: "s"), .policy(policy(.enforce, maxAge: 3600, mx: "mx.soon.example")))
        await source.set(later, .record(id: "l"), .policy(policy(.enforce, maxAge: 30 * 86400, mx: "mx.later.example")))
        let clock = TestClock(start)
        let resolver = try await makeResolver(source, clock)
        _ = await resolver.state(for: soon)
        _ = await resolver.state(for: later)
        #expect(await source.fetches == 2)
        clock.advance(600)
        let refreshed = await resolver.refreshExpiring()
        #expect(refreshed.map(\.0) == [soon])  // same id, fetched anyway
        #expect(await source.fetches == 3)
        #expect(await resolver.entry(for: soon)?.validUntil == start.adding(seconds: 600 + 3600))
    }

    @Test func concurrentRequestsShareOneLookup() async throws {
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .policy(policy(.enforce)))
        await source.setDelay(.milliseconds(200))
        let resolver = try await makeResolver(source, TestClock(start))
        let states = await withTaskGroup(of: MTASTSState.self) { group in
            for _ in 0..<50 { group.addTask { await resolver.state(for: example) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(states.count == 50)
        #expect(Set(states).count == 1)
        #expect(await source.discoveries == 1)
        #expect(await source.fetches == 1)
    }

    @Test func theSQLiteCacheSurvivesARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = FakeSTSSource()
        await source.set(example, .record(id: "a1"), .policy(policy(.enforce, maxAge: 86400)))
        let failing = try DomainName("failing.example")
        await source.set(failing, .record(id: "f"), .failed("HTTP 404"))
        let clock = TestClock(start)
        do {
            let resolver = try await makeResolver(source, clock, store: try SQLiteSTSCacheStore(stateDirectory: dir.path))
            _ = await resolver.state(for: example)
            _ = await resolver.state(for: failing)
        }
        // A new process: the policy is known without any network, and the failure still rate-limits.
        let offline = FakeSTSSource()
        await offline.set(example, .failed("network down"))
        await offline.set(failing, .record(id: "f"), .policy(policy(.enforce, mx: "mx.failing.example")))
        clock.advance(120)
        let restarted = try await makeResolver(offline, clock, store: try SQLiteSTSCacheStore(stateDirectory: dir.path))
        #expect(await restarted.entry(for: example)?.policyID == "a1")
        #expect(await restarted.state(for: example) == .policy(policy(.enforce, maxAge: 86400), validUntil: start.adding(seconds: 86400)))
        guard case .noneKnown = await restarted.state(for: failing) else {
            Issue.record("the fetch failure should still hold back a refetch")
            return
        }
        #expect(await offline.fetches == 0)
    }
}
