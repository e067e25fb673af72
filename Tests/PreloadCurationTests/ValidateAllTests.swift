import Foundation
import PreloadChecker
import PreloadCore
import PreloadState
import PreloadSystem
import PreloadTesting
import Testing
@testable import PreloadCuration

@Suite struct ValidateAllTests {
    /// Runs validate-all once a day for `days` days.
    func daily(_ bed: Bed, days: Int, publish: Bool = true) async throws -> [RunSummary] {
        var out: [RunSummary] = []
        for _ in 0..<days {
            bed.clock.advance(days: 1)
            out.append(try await bed.validateAll(publish: publish).run())
        }
        return out
    }

    @Test(arguments: Backend.allCases) func aWholeLife(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("life.test")
        try await bed.admit("life.test")
        // Probation: listed after 14 days with passing validations.
        var runs = try await daily(bed, days: 13)
        #expect(try await bed.state("life.test") == .probation)
        #expect(runs.first?.publication?.action == .published)   // the first, empty list
        #expect(runs[1].publication?.action == .skipped)
        #expect(await bed.publisher.entry("life.test") == nil)
        runs = try await daily(bed, days: 1)
        #expect(try await bed.state("life.test") == .listed)
        #expect(runs[0].transitions == [.init(from: "probation", to: "listed", reason: "probation-passed", domains: ["life.test"])])
        #expect(runs[0].publication?.action == .published)
        let entry = await bed.publisher.entry("life.test")
        #expect(entry?.policy == .patterns(mode: .enforce, mx: patterns("*.life.test")))
        #expect(entry?.provenance.method == .mtaSTS)
        // Unchanged content: no new publish until half the validity is over.
        let serial = await bed.publisher.committed?.serial
        runs = try await daily(bed, days: 1)
        #expect(runs[0].publication?.action == .skipped)
        #expect(await bed.publisher.committed?.serial == serial)
        // The certificate expires: failing, still listed; removed after the grace period.
        bed.world.setSMTP("life.test", FakeWorld.expiredTLS("mx1.life.test", bed.clock.now()))
        runs = try await daily(bed, days: 1)
        #expect(try await bed.state("life.test") == .failing)
        #expect(runs[0].failed == 1)
        #expect(await bed.publisher.entry("life.test") != nil)
        runs = try await daily(bed, days: 7)
        #expect(try await bed.state("life.test") == .removed)
        #expect(await bed.publisher.entry("life.test") == nil)
        let reasons = try await bed.store.read { try $0.events(domain: "life.test").map(\.reason.rawValue) }
        #expect(reasons == ["submitted", "challenge-verified", "probation-passed", "validation-failed", "grace-expired"])
        let mails = await bed.notifier.sent.map(\.subject)
        #expect(mails.count == 4)
        #expect(mails.allSatisfy { $0.contains("life.test") })
        let status = try await bed.statusService().status(of: try DomainName("life.test"))
        #expect(status.state == "removed")
        #expect(status.validations.first?.errorCodes.contains("tls.cert-expired") == true)
    }

    @Test(arguments: Backend.allCases) func failingDomainsRecover(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("wobbly.test")
        var r = record(.listed)
        r.domain = try DomainName("wobbly.test")
        r.patterns = patterns("mx1.wobbly.test", "mx2.wobbly.test")
        let saved = r
        try await bed.store.write { try $0.save(saved) }
        bed.world.setSMTP("wobbly.test", .bannerTimeout)
        _ = try await daily(bed, days: 2)
        #expect(try await bed.state("wobbly.test") == .failing)
        bed.world.setSMTP("wobbly.test", FakeWorld.goodTLS(["*.wobbly.test"], bed.clock.now()))
        let runs = try await daily(bed, days: 1)
        #expect(try await bed.state("wobbly.test") == .listed)
        #expect(runs[0].transitions.map(\.reason) == ["recovered"])
    }

    @Test(arguments: Backend.allCases) func modeNoneIsAnOptOut(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("out.test")
        try await bed.admit("out.test")
        bed.world.setPolicy("out.test", "version: STSv1\nmode: none\nmax_age: 86400\n")
        let runs = try await daily(bed, days: 1)
        #expect(try await bed.state("out.test") == .removed)
        #expect(runs[0].transitions.map(\.reason) == ["opted-out"])
    }

    @Test(arguments: Backend.allCases) func mtaSTSEntriesFollowTheirPolicy(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("moving.test")
        var r = record(.listed, terms: stsTerms)
        r.domain = try DomainName("moving.test")
        r.patterns = patterns("*.moving.test")
        let saved = r
        try await bed.store.write { try $0.save(saved) }
        _ = try await daily(bed, days: 1)
        bed.world.addMX("moving.test", host: "backup.elsewhere.test")
        bed.world.setPolicy("moving.test", "version: STSv1\nmode: testing\nmx: *.moving.test\nmx: backup.elsewhere.test\nmax_age: 86400\n")
        let runs = try await daily(bed, days: 1)
        #expect(try await bed.state("moving.test") == .listed)
        #expect(runs[0].publication?.action == .published)
        #expect(runs[0].publication?.reason.contains("changed moving.test") == true)
        let entry = await bed.publisher.entry("moving.test")
        #expect(entry?.policy == .patterns(mode: .testing, mx: patterns("*.moving.test", "backup.elsewhere.test")))
        let last = try await bed.store.read { try $0.events(domain: "moving.test").last }
        #expect(last?.reason.rawValue == "policy-followed")
    }

    @Test(arguments: Backend.allCases) func theListIsRefreshedAtHalfItsValidity(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        _ = try await daily(bed, days: 1)
        #expect(await bed.publisher.committed?.serial == 1)
        _ = try await daily(bed, days: 6)
        #expect(await bed.publisher.committed?.serial == 1)
        let runs = try await daily(bed, days: 1)
        #expect(runs[0].publication?.action == .published)
        #expect(await bed.publisher.committed?.serial == 2)
    }

    @Test(arguments: Backend.allCases) func noPublishLeavesTheListAndPendingRemovals(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("stay.test")
        var r = record(.removalRequested)
        r.domain = try DomainName("stay.test")
        let saved = r
        try await bed.store.write { try $0.save(saved) }
        let runs = try await daily(bed, days: 1, publish: false)
        #expect(runs[0].publication?.action == .disabled)
        #expect(await bed.publisher.publishCount == 0)
        #expect(try await bed.state("stay.test") == .removalRequested)
    }

    @Test func aSecondConcurrentRunIsRefused() async throws {
        let bed = try Bed()
        do {
            let lock = try FileLock(path: bed.sqlite.path(SQLiteStateStore.runLockFileName), holder: "pid 99 since x", mode: 0o600)
            await #expect(throws: CurationError.busy("pid 99 since x")) { try await bed.validateAll().run() }
            withExtendedLifetime(lock) {}
        }
        _ = try await bed.validateAll().run()
    }

    @Test(arguments: Backend.allCases) func aKilledRunIsTakenOverAndOnlyTheRestIsValidated(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        for d in ["a.test", "b.test", "c.test"] {
            bed.world.addGoodDomain(d)
            var r = record(.listed)
            r.domain = try DomainName(d)
            r.patterns = patterns("*.\(d)")
            let saved = r
            try await bed.store.write { try $0.save(saved) }
        }
        // A run that died after validating a.test (its step committed, its item done).
        let dead = try await bed.store.write { tx in
            let run = try tx.startRun(RunRow(started: t0, pid: 999_999), domains: ["a.test", "b.test", "c.test"])
            try tx.markDone(run: run.id!, domain: "a.test")
            return run
        }
        bed.clock.advance(days: 1)
        let summary = try await bed.validateAll().run()
        #expect(summary.resumed)
        #expect(summary.run == dead.id)
        #expect(summary.validated == 2)
        #expect(Set(bed.world.checked) == ["b.test", "c.test"])
        let run = try await bed.store.read { try $0.run(dead.id!) }
        #expect(run?.status == .completed)
        // A run lock's holder takes the run over; a worker of a shared round joins it (the dead worker's
        // domain went back to the pool when its lease ran out).
        #expect(run?.resumes == (backend == .sqlite ? 1 : 0))
        #expect(try await bed.store.read { try $0.unfinishedRuns() }.isEmpty)
        // The next run is a fresh one over every domain.
        let next = try await bed.validateAll().run()
        #expect(!next.resumed)
        #expect(next.validated == 3)
    }

    @Test(arguments: Backend.allCases) func aRunKilledWhilePublishingPublishesNext(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("p.test")
        var r = record(.listed)
        r.domain = try DomainName("p.test")
        r.patterns = patterns("*.p.test")
        let saved = r
        try await bed.store.write { try $0.save(saved) }
        try await bed.store.write { tx in
            var run = try tx.startRun(RunRow(started: t0, pid: 999_999), domains: ["p.test"])
            try tx.markDone(run: run.id!, domain: "p.test")
            run.phase = .publishing
            try tx.update(run)
        }
        let summary = try await bed.validateAll().run()
        #expect(summary.resumed)
        #expect(summary.validated == 0)
        #expect(summary.publication?.action == .published)
        #expect(await bed.publisher.entry("p.test") != nil)
    }

    @Test(arguments: Backend.allCases) func aFailedPublishIsAnOperationalFailureAndTheNextRunPublishes(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        await bed.publisher.failOnce()
        await #expect(throws: CurationError.self) { try await bed.validateAll().run() }
        let runs = try await bed.store.read { try $0.unfinishedRuns() }
        #expect(runs.isEmpty)
        let summary = try await bed.validateAll().run()
        #expect(summary.publication?.action == .published)
    }

    @Test(arguments: Backend.allCases) func anUnreachableResolverChangesNoState(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("dark.test")
        var r = record(.listed)
        r.domain = try DomainName("dark.test")
        r.patterns = patterns("*.dark.test")
        let saved = r
        try await bed.store.write { try $0.save(saved) }
        bed.world.resolverDown = true
        let runs = try await daily(bed, days: 10)
        #expect(runs.allSatisfy { $0.inconclusive == 1 && $0.failed == 0 })
        #expect(try await bed.state("dark.test") == .listed)
        let v = try await bed.store.read { try $0.validations(domain: "dark.test", limit: 1) }
        #expect(v.first?.inconclusive == true)
    }

    @Test(arguments: Backend.allCases) func notificationsAreSentRetriedOrRecorded(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("n.test")
        try await bed.admit("n.test")   // queues "verified"
        await bed.notifier.setFailing(true)
        var summary = try await bed.validateAll().run()
        #expect(summary.notifications.retrying == 1)
        await bed.notifier.setFailing(false)
        summary = try await bed.validateAll().run()
        #expect(summary.notifications.sent == 1)
        #expect(await bed.notifier.sent.first?.to == "postmaster@example.test")
        let rows = try await bed.store.read { try $0.notifications(domain: "n.test") }
        #expect(rows.map(\.status) == [.sent])
        #expect(rows.first?.attempts == 2)

        // Without a relay they are recorded only.
        let quiet = try Bed()
        quiet.world.addGoodDomain("q.test")
        try await quiet.admit("q.test")
        let s = try await quiet.validateAll(notify: false).run()
        #expect(s.notifications.recorded == 1)
        let events = try await quiet.statusService().events(domain: try DomainName("q.test"))
        #expect(events.last?.notification?.status == "recorded")
    }

    @Test(arguments: Backend.allCases) func progressCountsEveryDomain(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        for i in 0..<10 {
            let d = "d\(i).test"
            bed.world.addGoodDomain(d)
            var r = record(.listed)
            r.domain = try DomainName(d)
            r.patterns = patterns("*.\(d)")
            let saved = r
            try await bed.store.write { try $0.save(saved) }
        }
        let seen = Seen()
        let summary = try await bed.validateAll(concurrency: 3).run { done, total in seen.add(done, total) }
        #expect(summary.validated == 10 && summary.passed == 10)
        #expect(seen.values.last! == [10, 10])
        #expect(seen.values.first! == [0, 10])
    }
}

final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var _values: [[Int]] = []
    func add(_ a: Int, _ b: Int) { lock.withLock { _values.append([a, b]) } }
    var values: [[Int]] { lock.withLock { _values } }
}

@Suite struct PublishDecisionTests {
    func list(_ entries: [ListEntry], generated: Timestamp = t0, days: Int = 14) -> PreloadList {
        PreloadList(serial: 5, generated: generated, expires: generated.adding(days: days), publisher: "t", entries: entries)
    }
    func entry(_ d: String, _ mode: ListMode = .enforce, _ mx: [String] = ["*.x.test"],
               verified: Timestamp = t0) -> ListEntry {
        ListEntry(domain: try! DomainName(d), policy: .patterns(mode: mode, mx: mx.map { try! MXPattern($0) }),
                  provenance: Provenance(method: .manual, added: t0, verified: verified))
    }

    @Test func publishesWhenThereIsNoList() {
        #expect(PublishDecision.decide(desired: [], committed: nil, now: t0) == .publish("no list committed yet"))
    }

    @Test func verificationDatesAloneDoNotRepublish() {
        let d = PublishDecision.decide(desired: [entry("a.test", verified: t0.adding(days: 3))],
                                       committed: list([entry("a.test")]), now: t0.adding(days: 3))
        guard case .skip = d else { return #expect(Bool(false)) }
    }

    @Test func contentChangesAreNamed() {
        let change = ContentChange(from: list([entry("a.test"), entry("b.test"), entry("c.test")]),
                                   to: [entry("a.test", .testing), entry("c.test"), entry("d.test")])
        #expect(change.added == ["d.test"])
        #expect(change.removed == ["b.test"])
        #expect(change.changed == ["a.test"])
        guard case .publish(let why) = PublishDecision.decide(desired: [entry("a.test", .enforce, ["mx.x.test"])],
                                                              committed: list([entry("a.test")]), now: t0) else {
            return #expect(Bool(false))
        }
        #expect(why.contains("changed a.test"))
    }

    @Test func refreshesAtHalfValidity() {
        let committed = list([entry("a.test")])
        guard case .skip = PublishDecision.decide(desired: [entry("a.test")], committed: committed,
                                                  now: t0.adding(days: 7).adding(seconds: -1)) else {
            return #expect(Bool(false))
        }
        guard case .publish = PublishDecision.decide(desired: [entry("a.test")], committed: committed,
                                                     now: t0.adding(days: 7)) else { return #expect(Bool(false)) }
    }
}

/// The run lock against another process: a python3 process holding the same `flock(2)` lock.
@Suite(.requires(tool: "python3", "a second process holding the flock(2) lock"))
struct RunLockAcrossProcessesTests {
    /// Starts a process that takes the lock and sleeps; returns once it holds the lock.
    func holdLock(_ path: String) async throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Tool.which("python3"))
        p.arguments = ["-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)", path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        for _ in 0..<250 {
            do {
                let probe = try FileLock(path: path, holder: "probe", mode: 0o600)
                withExtendedLifetime(probe) {}
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                return p
            }
        }
        p.terminate()
        throw CurationError.corrupt("the helper process never took the lock")
    }

    @Test func anotherProcessHoldingTheLockRefusesTheRun() async throws {
        let bed = try Bed()
        let holder = try await holdLock(bed.sqlite.path(SQLiteStateStore.runLockFileName))
        try await withCleanup({
            kill(holder.processIdentifier, SIGKILL)
            await waitForExit(holder)
        }) { () async throws in
            await #expect(throws: CurationError.self) { try await bed.validateAll().run() }
            #expect(try await bed.store.read { try $0.unfinishedRuns().isEmpty && $0.lastCompletedRun() == nil })
        }
    }

    @Test func aKilledHolderReleasesTheLock() async throws {
        let bed = try Bed()
        let holder = try await holdLock(bed.sqlite.path(SQLiteStateStore.runLockFileName))
        kill(holder.processIdentifier, SIGKILL)
        await waitForExit(holder)
        let summary = try await bed.validateAll().run()
        #expect(!summary.resumed)
    }
}
