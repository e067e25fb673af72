import PreloadCore
import PreloadTesting
import Testing
@testable import PreloadChecker

/// An SMTP server that accepts and never answers: the probe returns only when its task is cancelled
/// (real probes end by their own per-step deadlines; this one would wait for an hour). Counts the probes
/// that started.
actor StallCounter {
    private(set) var started: [String] = []
    func start(_ address: String) { started.append(address) }
}

struct StallingSMTP: SMTPProbing {
    let stalled: Set<String>
    let fallback: FakeSMTP
    let counter: StallCounter

    func probe(host: DomainName, address: String) async -> SMTPOutcome {
        guard stalled.contains(address) else { return await fallback.probe(host: host, address: address) }
        await counter.start(address)
        try? await Task.sleep(for: .seconds(3600))
        return .bannerTimeout
    }
}

/// A deadline the test passes by hand, per domain: `wait` returns once `pass(domain)` was called (before
/// or after), and throws when its task is cancelled. No test depends on how fast the machine is.
actor ManualDeadlines: DeadlineTimer {
    private var passed: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, any Error>]] = [:]

    func pass(_ domain: String) {
        passed.insert(domain)
        for waiter in waiters.removeValue(forKey: domain) ?? [] { waiter.resume() }
    }

    nonisolated func wait(seconds: Double, domain: DomainName) async throws {
        try await withTaskCancellationHandler {
            try await register(domain.value)
        } onCancel: {
            Task { await self.cancelAll(domain.value) }
        }
    }

    private func register(_ domain: String) async throws {
        if passed.contains(domain) { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if Task.isCancelled {
                continuation.resume(throwing: CancellationError())
            } else {
                waiters[domain, default: []].append(continuation)
            }
        }
    }

    private func cancelAll(_ domain: String) {
        for waiter in waiters.removeValue(forKey: domain) ?? [] { waiter.resume(throwing: CancellationError()) }
    }
}

/// The per-domain deadline (`--domain-timeout`): a domain whose hosts stall is cut off with
/// `check.deadline-exceeded` naming what was pending, its queued probes never start, and other domains
/// are not affected. The deadlines are passed by hand (``ManualDeadlines``), once the stalled probes are
/// under way. (A check that ignored its deadline would wait an hour for the stalling fake: the time limit
/// turns that into a failure.)
@Suite(.timeLimit(.minutes(1))) struct DomainDeadlineTests {
    /// `stall.test`: one MX host with three addresses that never answer; `good.test` as in `goodWorld()`.
    static func world() -> (FakeDNS, FakeSMTP, FakeHTTPS) {
        var (dns, smtp, https) = goodWorld()
        dns.mxRecords["stall.test"] = .found([MXRecord(preference: 10, exchange: "mx1.stall.test")], dnssec: .insecure)
        dns.a["mx1.stall.test"] = .found(["127.0.99.1", "127.0.99.2", "127.0.99.3"], dnssec: .insecure)
        dns.txtRecords["_mta-sts.stall.test"] = .noData
        dns.txtRecords["_smtp._tls.stall.test"] = .noData
        smtp.outcomes["127.0.99.1"] = goodTLS(["mx1.stall.test"])
        https.outcomes["stall.test"] = .failed(TransferError(code: 7, message: "unused"))
        return (dns, smtp, https)
    }

    static func checker(_ counter: StallCounter, _ deadlines: ManualDeadlines, concurrency: Int) -> Checker {
        let (dns, smtp, https) = world()
        let stalling = StallingSMTP(stalled: ["127.0.99.1", "127.0.99.2", "127.0.99.3"], fallback: smtp, counter: counter)
        return Checker(dns: dns, smtp: stalling, https: https, clock: FixedTime(now),
                       settings: CheckerSettings(concurrency: concurrency, domainTimeout: 300), deadlines: deadlines)
    }

    /// Passes stall.test's deadline once `probes` of its probes have started.
    static func passDeadline(_ counter: StallCounter, _ deadlines: ManualDeadlines, after probes: Int) async {
        while await counter.started.count < probes { await Task.yield() }
        await deadlines.pass("stall.test")
    }

    @Test func aStallingDomainGetsTheFindingAndOthersAreUnaffected() async throws {
        let counter = StallCounter()
        let deadlines = ManualDeadlines()
        let checker = Self.checker(counter, deadlines, concurrency: 8)
        let domains = [try DomainName("stall.test"), try DomainName("good.test")]
        async let reports = checker.check(domains)
        await Self.passDeadline(counter, deadlines, after: 3)
        let (stalled, good) = await (reports[0], reports[1])
        #expect(stalled.domain == "stall.test")
        #expect(stalled.issueCodes == ["check.deadline-exceeded"])
        #expect(!stalled.eligible)
        let finding = try #require(stalled.issues.first)
        #expect(finding.severity == .error)
        #expect(finding.subject == "stall.test")
        #expect(finding.message.contains("mx1.stall.test [127.0.99.1]"), "names the pending probe: \(finding.message)")
        #expect(good.domain == "good.test")
        #expect(good.eligible)
        #expect(good.issues.isEmpty)
    }

    @Test func probesStillQueuedWhenTheDeadlinePassesNeverStart() async throws {
        // One slot: the first stalled probe takes it; the other two wait behind it. At the deadline the
        // check is cancelled: the waiting probes leave the queue and never reach the server, and the next
        // domain gets the slot.
        let counter = StallCounter()
        let deadlines = ManualDeadlines()
        let checker = Self.checker(counter, deadlines, concurrency: 1)
        let domains = [try DomainName("stall.test"), try DomainName("good.test")]
        async let reports = checker.check(domains)
        await Self.passDeadline(counter, deadlines, after: 1)
        let all = await reports
        #expect(all.map(\.domain) == ["stall.test", "good.test"])
        #expect(all[0].issueCodes == ["check.deadline-exceeded"])
        #expect(all[1].eligible)
        let started = await counter.started
        #expect(started.count == 1, "probes started: \(started)")
    }

    @Test func theRealTimerEndsACheckThatNeverFinishes() async throws {
        // Real time, one domain alone: the check returns at its deadline with the finding.
        let counter = StallCounter()
        let (dns, smtp, https) = Self.world()
        let stalling = StallingSMTP(stalled: ["127.0.99.1"], fallback: smtp, counter: counter)
        let checker = Checker(dns: dns, smtp: stalling, https: https, clock: FixedTime(now),
                              settings: CheckerSettings(concurrency: 4, domainTimeout: 0.5))
        let report = await checker.check(try DomainName("stall.test"))
        #expect(report.issueCodes == ["check.deadline-exceeded"])
    }

    @Test func withoutADeadlineTheCheckWaitsForItsProbes() async throws {
        // The same domain with quick answers instead of stalls and no deadline: a plain report.
        var (dns, smtp, https) = Self.world()
        dns.a["mx1.stall.test"] = .found(["127.0.99.1"], dnssec: .insecure)
        https.outcomes["stall.test"] = .failed(TransferError(code: 7, message: "unused"))
        let checker = Checker(dns: dns, smtp: smtp, https: https, clock: FixedTime(now),
                              settings: CheckerSettings(concurrency: 2, domainTimeout: nil))
        let report = await checker.check(try DomainName("stall.test"))
        #expect(!report.issueCodes.contains("check.deadline-exceeded"))
        #expect(report.mx.first?.addresses.first?.passed == true)
    }

    @Test func theCodeIsInTheCatalogueAndBlocks() {
        let entry = IssueCatalogue.all.first { $0.code == "check.deadline-exceeded" }
        #expect(entry?.severity == .error)
    }
}

@Suite struct ProbeLimiterFairnessTests {
    actor Order {
        var served: [String] = []
        func add(_ s: String) { served.append(s) }
    }

    @Test func slotsGoRoundRobinOverDomains() async {
        // Limit 1, held; domain a queues three waiters, then domain b one: b is served after a's first,
        // not after all of a's.
        let limiter = ProbeLimiter(limit: 1)
        #expect(await limiter.acquire(key: "holder"))
        let order = Order()
        await withTaskGroup(of: Void.self) { group in
            for (key, name) in [("a", "a1"), ("a", "a2"), ("a", "a3"), ("b", "b1")] {
                group.addTask { _ = await limiter.withSlot(key: key) { await order.add(name) } }
                // Let each waiter queue before the next one (the order of queueing is the test's input).
                while await limiter.waiting < (name == "b1" ? 4 : Int(name.dropFirst())!) { await Task.yield() }
            }
            await limiter.release()
        }
        #expect(await order.served == ["a1", "b1", "a2", "a3"])
    }

    @Test func aCancelledWaiterLeavesWithoutASlot() async {
        let limiter = ProbeLimiter(limit: 1)
        #expect(await limiter.acquire(key: "holder"))
        let waiter = Task { await limiter.withSlot(key: "x") { 42 } }
        while await limiter.waiting < 1 { await Task.yield() }
        waiter.cancel()
        #expect(await waiter.value == nil)
        #expect(await limiter.waiting == 0)
        // The slot is still the holder's: after its release the next acquire gets it at once.
        await limiter.release()
        #expect(await limiter.withSlot(key: "y") { 7 } == 7)
    }
}
