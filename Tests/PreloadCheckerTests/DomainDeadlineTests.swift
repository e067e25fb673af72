import PreloadCore
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

/// The per-domain deadline (`--domain-timeout`): a domain whose hosts stall is cut off with
/// `check.deadline-exceeded` naming what was pending, its queued probes never start, and other domains
/// are not affected. (A check that ignored its deadline would wait an hour for the stalling fake: the
/// time limit turns that into a failure.)
@Suite(.timeLimit(.minutes(1))) struct DomainDeadlineTests {
    /// `stall.test`: one MX host with three addresses that never answer; `good.test` as in `goodWorld()`.
    static func world() -> (FakeDNS, FakeSMTP, FakeHTTPS) {
        var (dns, smtp, https) = goodWorld()
        dns.mxRecords["stall.test"] = .found([MXRecord(preference: 10, exchange: "mx1.stall.test")], dnssec: .insecure)
        dns.a["mx1.stall.test"] = .found(["127.0.99.1", "127.0.99.2", "127.0.99.3"], dnssec: .insecure)
        dns.txtRecords["_mta-sts.stall.test"] = .noData
        dns.txtRecords["_smtp._tls.stall.test"] = .noData
        smtp.outcomes["127.0.99.1"] = goodTLS(["mx1.stall.test"])
        https.outcomes["stall.test"] = .failed("unused")
        return (dns, smtp, https)
    }

    static func checker(_ counter: StallCounter, concurrency: Int, deadline: Double?) -> Checker {
        let (dns, smtp, https) = world()
        let stalling = StallingSMTP(stalled: ["127.0.99.1", "127.0.99.2", "127.0.99.3"], fallback: smtp, counter: counter)
        return Checker(dns: dns, smtp: stalling, https: https, clock: FixedTime(now),
                       settings: CheckerSettings(concurrency: concurrency, domainTimeout: deadline))
    }

    @Test func aStallingDomainGetsTheFindingAndOthersAreUnaffected() async throws {
        let counter = StallCounter()
        let checker = Self.checker(counter, concurrency: 8, deadline: 2)
        let reports = await checker.check([try DomainName("stall.test"), try DomainName("good.test")])
        let stalled = reports[0]
        #expect(stalled.domain == "stall.test")
        #expect(stalled.issueCodes == ["check.deadline-exceeded"])
        #expect(!stalled.eligible)
        let finding = try #require(stalled.issues.first)
        #expect(finding.severity == .error)
        #expect(finding.subject == "stall.test")
        #expect(finding.message.contains("mx1.stall.test [127.0.99.1]"), "names the pending probe: \(finding.message)")
        #expect(reports[1].domain == "good.test")
        #expect(reports[1].eligible)
        #expect(reports[1].issues.isEmpty)
    }

    @Test func probesStillQueuedWhenTheDeadlinePassesNeverStart() async throws {
        // One slot: the first stalled probe takes it; the other two wait behind it. At the deadline the
        // check is cancelled: the waiting probes leave the queue and never reach the server, and the next
        // domain gets the slot.
        let counter = StallCounter()
        let checker = Self.checker(counter, concurrency: 1, deadline: 1)
        let reports = await checker.check([try DomainName("stall.test"), try DomainName("good.test")])
        #expect(reports.map(\.domain) == ["stall.test", "good.test"])
        #expect(reports[0].issueCodes == ["check.deadline-exceeded"])
        #expect(reports[1].eligible)
        let started = await counter.started
        #expect(started.count == 1, "probes started: \(started)")
    }

    @Test func withoutADeadlineTheCheckWaitsForItsProbes() async throws {
        // The same domain with quick failures instead of stalls and no deadline: a plain report.
        var (dns, smtp, https) = Self.world()
        dns.a["mx1.stall.test"] = .found(["127.0.99.1"], dnssec: .insecure)
        https.outcomes["stall.test"] = .failed("unused")
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
