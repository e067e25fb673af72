import Foundation
import PreloadCore
import PreloadPostgres
import PreloadState
import PreloadTesting
import Synchronization
import Testing
@testable import PreloadCuration

/// What a state shared by several processes must do: the Postgres state's own migrations and refusals, a
/// commit counter that readers can trust, concurrent submissions through two replicas, and `validate-all`
/// workers sharing one round (each domain validated once, one publish, a dead worker's domains taken over).
/// Every "process" here is a store of its own on the same database, as a second machine would open it.
@Suite struct SharedStateTests {
    /// Saves `count` listed domains (`w0001.test` …) that the fake world answers as good.
    private func seed(_ bed: Bed, _ count: Int) async throws -> [String] {
        let names = (1...count).map { String(format: "w%04d.test", $0) }
        for name in names { bed.world.addGoodDomain(name) }
        let records = try names.map { name -> DomainRecord in
            var r = record(.listed)
            r.domain = try DomainName(name)
            r.patterns = patterns("*.\(name)")
            return r
        }
        try await bed.store.write { tx in for r in records { try tx.save(r) } }
        return names
    }

    private func worker(_ bed: Bed, _ store: any CurationStore, vantage: String, concurrency: Int = 4,
                        lease: Int64 = ValidateAllService.defaultLeaseSeconds) -> ValidateAllService {
        ValidateAllService(store: store, checker: bed.world.checker, clock: bed.clock, publisher: bed.publisher,
                           notifier: bed.notifier, concurrency: concurrency, vantage: vantage, leaseSeconds: lease)
    }

    @Test func thePostgresStateHasEveryMigrationAndAppliesNothingTwice() async throws {
        let sut = try await StoreUnderTest.make(.postgres)
        let store = try #require(sut.store as? PostgresStateStore)
        #expect(try await store.appliedMigrations() == PostgresStateStore.knownMigrations)
        #expect(PostgresStateStore.knownMigrations == SQLiteStateStore.knownMigrations, "one logical schema, one list of migrations")
        try await store.write { try $0.save(record(.listed)) }
        let again = try await sut.reopen()
        #expect(try await again.read { try $0.records().count } == 1)
        #expect(try await sut.sql("SELECT COUNT(*) FROM preload_migration") == "\(PostgresStateStore.knownMigrations.count)")
    }

    /// A state a newer binary migrated is refused before anything is read or written.
    @Test func aPostgresStateWithAMigrationThisBinaryDoesNotKnowIsRefused() async throws {
        let sut = try await StoreUnderTest.make(.postgres)
        try await sut.store.write { try $0.save(record(.listed)) }
        try await sut.sql("INSERT INTO preload_migration (name) VALUES ('v9-from-the-future')")
        let before = try await sut.sql("SELECT counter FROM preload_commit")
        await #expect {
            _ = try await sut.reopen()
        } throws: { error in
            guard case PostgresStateError.newerThanBinary(let url, let why) = error else { return false }
            return why.contains("v9-from-the-future") && url.hasPrefix("postgres://preload@127.0.0.1:")
        }
        #expect(try await sut.sql("SELECT counter FROM preload_commit") == before)
        #expect(try await sut.sql("SELECT COUNT(*) FROM domain") == "1")
    }

    @Test func aWrongPasswordOrAnUnknownDatabaseIsUnavailableAndTheMessageHasNoPassword() async throws {
        let pg = try await NetTestBed.shared.requirePostgres()
        for url in ["postgres://\(pg.user):wrong-secret@\(pg.host):\(pg.port)/\(pg.database)",
                    "postgres://\(pg.user):\(pg.password)@\(pg.host):\(pg.port)/no_such_database"] {
            await #expect {
                _ = try await PostgresStateStore(url: url)
            } throws: { error in
                guard case PostgresStateError.unavailable = error else { return false }
                let text = "\(error)"
                return !text.contains("wrong-secret") && !text.contains(pg.password)
            }
        }
        for bad in ["postgres://host/db", "postgres://user@/db", "postgres://user@host", "postgres://user@host/db?sslmode=allow",
                    "postgres://user:secret@host/db?opt=1"] {
            await #expect {
                _ = try await PostgresStateStore(url: bad)
            } throws: { error in
                guard case PostgresStateError.url = error else { return false }
                return !"\(error)".contains("secret")
            }
        }
    }

    /// Readers poll the counter, then read: a reader that sees the new count sees the new state.
    @Test(arguments: Backend.allCases) func theCommitCounterMovesWithEveryCommitAndNotWithAReadOrARollback(_ backend: Backend) async throws {
        let sut = try await StoreUnderTest.make(backend)
        let other = try await sut.reopen()
        let start = try await other.commitCounter()
        _ = try await sut.store.read { try $0.records() }
        #expect(try await other.commitCounter() == start)
        try await sut.store.write { try $0.save(record(.listed)) }
        let afterWrite = try await other.commitCounter()
        #expect(afterWrite != start)
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await sut.store.write { tx in try tx.save(record(.failing)); throw Boom() } }
        #expect(try await other.commitCounter() == afterWrite)
        let domain = record(.listed).domain
        try await sut.store.write(confinedTo: [domain]) { try $0.save(record(.probation)) }
        let afterConfined = try await other.commitCounter()
        #expect(afterConfined != afterWrite)
        await #expect(throws: Boom.self) {
            try await sut.store.write(confinedTo: [domain]) { tx in try tx.save(record(.failing)); throw Boom() }
        }
        #expect(try await other.commitCounter() == afterConfined)
    }

    /// Results of different domains are recorded at once on a Postgres state: a confined write on another
    /// domain commits while one on `a.test` is held open; a second one on `a.test` and an unconfined write
    /// wait (seen waiting in `pg_locks`) and run only after it commits.
    @Test func confinedWritesOnDifferentDomainsRunAtOnceAndEveryOtherWriteWaits() async throws {
        let sut = try await StoreUnderTest.make(.postgres)
        let a = try DomainName("a.test"), b = try DomainName("b.test")
        let log = Log()
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let held = Task {
            try await sut.store.write(confinedTo: [a]) { _ in
                log.add("a: entered")
                entered.signal()
                // Bounded, so that a broken lock cannot hang the suite: the test fails on the order instead.
                _ = release.wait(timeout: .now() + 120)
                log.add("a: done")
            }
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { entered.wait(); c.resume() }
        }
        try await sut.store.write(confinedTo: [b]) { _ in log.add("b") }
        #expect(log.entries == ["a: entered", "b"])
        let sameDomain = Task { try await sut.store.write(confinedTo: [a]) { _ in log.add("a again") } }
        let unconfined = Task { try await sut.store.write { _ in log.add("unconfined") } }
        var waiting = 0
        for _ in 0..<600 where waiting < 2 {
            waiting = Int(try await sut.sql("""
                SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()
                """)) ?? 0
            if waiting < 2 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(waiting == 2)
        #expect(log.entries == ["a: entered", "b"])
        release.signal()
        try await held.value
        try await sameDomain.value
        try await unconfined.value
        #expect(Array(log.entries.prefix(3)) == ["a: entered", "b", "a: done"])
        #expect(Set(log.entries.dropFirst(3)) == ["a again", "unconfined"])
    }

    /// The same domain submitted through two replicas at once: one pending submission, one open challenge,
    /// and both answers carry it.
    @Test(arguments: Backend.allCases) func concurrentSubmissionsThroughTwoReplicasMakeOneChallenge(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("twice.test")
        let replicas = [bed.store, try await bed.sut.reopen()]
        let request = SubmitRequest(domain: try DomainName("twice.test"), contact: try ContactAddress("postmaster@twice.test"),
                                    mode: nil, patterns: [], contactConfirmed: true)
        let outcomes = try await withThrowingTaskGroup(of: SubmitOutcome.self) { group in
            for replica in replicas {
                group.addTask {
                    try await SubmitService(store: replica, checker: bed.world.checker, clock: bed.clock).submit(request)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let tokens = outcomes.compactMap { outcome -> String? in
            switch outcome {
            case .challengeIssued(let c, _, _, _), .awaitingChallenge(let c, _, _, _): c.token
            default: nil
            }
        }
        #expect(tokens.count == 2 && Set(tokens).count == 1, "\(outcomes)")
        #expect(try await bed.sut.sql("SELECT COUNT(*) FROM challenge") == "1")
        #expect(try await bed.store.read { try $0.record("twice.test")?.state } == .pendingVerification)
    }

    /// Two and three workers on one Postgres state share one round: every domain is validated exactly once,
    /// each result is recorded once with its worker's vantage, the list is published once, and exactly one
    /// worker completes the round.
    @Test(arguments: [2, 3]) func workersShareOneRound(_ workers: Int) async throws {
        let bed = try await Bed.make(.postgres)
        let names = try await seed(bed, 60)
        var stores: [any CurationStore] = [bed.store]
        for _ in 1..<workers { stores.append(try await bed.sut.reopen()) }
        let services = stores.enumerated().map { worker(bed, $0.element, vantage: "v\($0.offset)") }
        let summaries = try await withThrowingTaskGroup(of: RunSummary.self) { group in
            for service in services { group.addTask { try await service.run() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(summaries.map(\.run)).count == 1, "one round")
        #expect(summaries.filter { !$0.completedElsewhere }.count == 1, "one worker completes the round")
        #expect(summaries.map(\.validated).reduce(0, +) == names.count)
        #expect(bed.world.checked.sorted() == names, "each domain validated exactly once")
        #expect(await bed.publisher.publishCount == 1)
        #expect(try await bed.sut.sql("SELECT COUNT(*) FROM publication") == "1")
        #expect(try await bed.sut.sql("SELECT COUNT(DISTINCT domain) || ' ' || COUNT(*) FROM validation") == "\(names.count) \(names.count)")
        #expect(try await bed.sut.sql("SELECT COUNT(*) FROM validation WHERE vantage IS NULL") == "0")
        #expect(try await bed.sut.sql("SELECT status FROM run") == "completed")
    }

    /// Claimers racing on one round (each on connections of its own) never take the same domain twice: a
    /// claim must see every claim committed before it, not only the items locked at its start.
    @Test func concurrentClaimsNeverTakeADomainTwice() async throws {
        let bed = try await Bed.make(.postgres)
        let names = (1...300).map { String(format: "c%04d.test", $0) }
        let run = try await bed.store.write { tx in
            try tx.startRun(RunRow(started: t0, pid: 999_999), domains: try names.map { try DomainName($0) })
        }
        var stores: [any CurationStore] = []
        for _ in 0..<6 { stores.append(try await bed.sut.reopen()) }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for (i, store) in stores.enumerated() {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let batch = try await store.write(confinedTo: []) { tx in
                            try tx.claimItems(run: run.id!, vantage: "*", holder: "w\(i)", limit: 3, now: t0,
                                              until: t0.adding(seconds: 600))
                        }
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.value)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == names.count)
        #expect(Set(claimed) == Set(names))
    }

    /// Claims take a round's items in the order the round was started with, one worker or several; a round
    /// that `validate-all` starts puts its failing domains in the first half.
    @Test(arguments: Backend.allCases) func claimsFollowTheOrderOfTheRound(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        let order = try ["m.test", "b.test", "z.test", "a.test", "k.test"].map { try DomainName($0) }
        let run = try await bed.store.write { tx in try tx.startRun(RunRow(started: t0, pid: 999_999), domains: order) }
        #expect(try await bed.store.read { try $0.pendingItems(run: run.id!) } == order)
        var claimed: [DomainName] = []
        for holder in ["w1", "w2", "w1", "w2", "w1", "w2"] {
            claimed += try await bed.store.write(confinedTo: []) { tx in
                try tx.claimItems(run: run.id!, vantage: "*", holder: holder, limit: 1, now: t0, until: t0.adding(seconds: 600))
            }
        }
        #expect(claimed == order)
        try await bed.store.write { tx in
            try tx.releaseLeases(run: run.id!)
            var stale = try #require(try tx.run(run.id!))
            stale.status = .failed
            try tx.update(stale)
        }

        let names = try await seed(bed, 8)
        try await bed.store.write { tx in
            for name in names.suffix(2) {
                var r = try #require(try tx.record(try DomainName(name)))
                r.state = .failing
                try tx.save(r)
            }
        }
        let summary = try await worker(bed, bed.store, vantage: "v").run()
        let items = try await bed.store.read { try $0.snapshot() }.runItems.filter { $0.runId == summary.run }
        #expect(items.count == names.count)
        let first = items.filter { $0.ordinal < Int64(names.count / 2) }.map(\.domain.value)
        #expect(Set(names.suffix(2)).isSubset(of: first), "\(items.sorted { $0.ordinal < $1.ordinal }.map(\.domain.value))")
    }

    /// A worker that died holding claims: its domains stay its own until the lease runs out, then another
    /// worker validates them and completes the round.
    @Test(arguments: Backend.allCases) func aDeadWorkersClaimsGoBackToTheOthersWhenTheirLeaseRunsOut(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        let names = try await seed(bed, 8)
        // A round whose first worker claimed three domains and died.
        let run = try await bed.store.write { tx in
            let run = try tx.startRun(RunRow(started: t0, pid: 999_999), domains: try names.map { try DomainName($0) })
            let claimed = try tx.claimItems(run: run.id!, vantage: "late", holder: "dead", limit: 3, now: t0, until: t0.adding(seconds: 60))
            #expect(claimed.map(\.value) == Array(names.prefix(3)))
            return run
        }
        // While the lease lasts, nobody else can claim those three.
        let free = try await bed.store.write { tx in
            try tx.claimItems(run: run.id!, vantage: "late", holder: "other", limit: 100, now: t0.adding(seconds: 30), until: t0.adding(seconds: 90))
        }
        #expect(free.map(\.value) == Array(names.dropFirst(3)))
        try await bed.store.write { tx in try tx.releaseLeases(run: run.id!) }
        try await bed.store.write { tx in
            _ = try tx.claimItems(run: run.id!, vantage: "late", holder: "dead", limit: 3, now: t0, until: t0.adding(seconds: 60))
        }
        // After it: a worker takes the round over and validates everything left, each once.
        bed.clock.advance(61)
        let summary = try await worker(bed, bed.store, vantage: "late", lease: 60).run()
        #expect(summary.run == run.id && summary.validated == names.count && !summary.completedElsewhere)
        #expect(bed.world.checked.sorted() == names)
        #expect(await bed.publisher.publishCount == 1)
    }
}

/// `preload state migrate`: a whole state copied between backends, verified, ids included.
@Suite struct StateMigrationTests {
    /// A state with a bit of everything, made through the services: domains through probation to the list,
    /// a failing one, a removal request, a pending submission, a contact confirmation, runs, publications.
    private func populated(_ backend: Backend) async throws -> Bed {
        let bed = try await Bed.make(backend)
        for d in ["a.test", "b.test", "c.test"] { bed.world.addGoodDomain(d) }
        try await bed.admit("a.test")
        try await bed.admit("b.test", contact: "owner@b.test", contactConfirmed: false)
        for _ in 0..<4 {
            _ = try await bed.validateAll().run()
            bed.clock.advance(days: 5)
        }
        _ = try await bed.submit("c.test")
        _ = try await bed.contactService().requestConfirmation(try ContactAddress("someone@c.test"))
        _ = try await bed.removalService().requestRemoval(of: "a.test")
        bed.world.setSMTP("b.test", FakeWorld.expiredTLS("mx1.b.test", bed.clock.now()))
        _ = try await bed.validateAll().run()
        return bed
    }

    @Test func aRoundTripSQLiteToPostgresToSQLiteKeepsEveryRowAndAnswer() async throws {
        let bed = try await populated(.sqlite)
        let original = try await bed.store.read { try $0.snapshot() }
        #expect(!original.events.isEmpty && !original.runs.isEmpty && !original.publications.isEmpty && !original.contacts.isEmpty)
        let postgres = try await StoreUnderTest.make(.postgres)
        let there = try await StateMigration.copy(from: bed.store, to: postgres.store, replace: false)
        #expect(there.tables.map(\.rows) == (try original.checksums().map(\.rows)))
        let back = try await StoreUnderTest.make(.sqlite)
        let again = try await StateMigration.copy(from: postgres.store, to: back.store, replace: false)
        #expect(again == there, "the same rows and checksums at every step")
        #expect(try await back.store.read { try $0.snapshot() } == original)
        for d in ["a.test", "b.test", "c.test"] {
            let name = try DomainName(d)
            let a = try await StatusService(store: bed.store, clock: bed.clock).status(of: name)
            let b = try await StatusService(store: postgres.store, clock: bed.clock).status(of: name)
            let c = try await StatusService(store: back.store, clock: bed.clock).status(of: name)
            #expect(a == b && b == c, "\(d)")
        }
        let events = try await StatusService(store: bed.store, clock: bed.clock).events(domain: nil)
        #expect(try await StatusService(store: postgres.store, clock: bed.clock).events(domain: nil) == events)
        // The copies go on from the highest id: the next event is numbered after the copied ones.
        let next = try await postgres.store.write { tx in
            try tx.insert(AuditEventRow(time: t0, domain: "a.test", fromState: nil, toState: .listed, reason: .submitted,
                                        detail: "", actor: .submit))
        }
        #expect(next.id == (original.events.last?.id ?? 0) + 1)
    }

    @Test(arguments: Backend.allCases) func aDestinationThatIsNotEmptyIsRefusedUnlessReplaced(_ backend: Backend) async throws {
        let source = try await populated(backend == .sqlite ? .postgres : .sqlite)
        let destination = try await StoreUnderTest.make(backend)
        try await destination.store.write { try $0.save(record(.failing)) }
        let before = try await destination.store.read { try $0.snapshot() }
        await #expect {
            _ = try await StateMigration.copy(from: source.store, to: destination.store, replace: false)
        } throws: { error in
            guard case StateMigration.Failure.destinationNotEmpty(1) = error else { return false }
            return true
        }
        #expect(try await destination.store.read { try $0.snapshot() } == before, "nothing written")
        let report = try await StateMigration.copy(from: source.store, to: destination.store, replace: true)
        #expect(report.replaced)
        #expect(try await destination.store.read { try $0.snapshot() } == (try await source.store.read { try $0.snapshot() }))
    }
}

/// Rounds that need two vantages: one failure alone is a warning, two make the domain fail.
@Suite struct TwoVantageTests {
    private func outcome(_ eligible: Bool, inconclusive: Bool = false) -> ValidationOutcome {
        ValidationOutcome(time: t0, eligible: eligible, issueCodes: eligible ? [] : [.tlsCertExpired], mxHosts: [],
                          policy: nil, inconclusive: inconclusive)
    }

    @Test func theVerdictOfSeveralVantages() {
        let pass = outcome(true), fail = outcome(false), lost = outcome(false, inconclusive: true)
        #expect(VantageVerdict.combine([("a", pass), ("b", pass)]) == .outcome(pass))
        #expect(VantageVerdict.combine([("a", fail), ("b", fail)]) == .outcome(fail))
        #expect(VantageVerdict.combine([("a", pass), ("b", fail)])
                == .disputed(failedAt: ["b"], passedAt: ["a"], errorCodes: [.tlsCertExpired]))
        #expect(VantageVerdict.combine([("a", fail), ("b", pass), ("c", fail)]) == .outcome(fail), "two of three saw it fail")
        #expect(VantageVerdict.combine([("a", fail), ("b", pass), ("c", pass)])
                == .disputed(failedAt: ["a"], passedAt: ["b", "c"], errorCodes: [.tlsCertExpired]))
        // Fewer than two report: all of them must have seen it fail.
        #expect(VantageVerdict.combine([("a", fail)]) == .outcome(fail))
        #expect(VantageVerdict.combine([("a", lost), ("b", fail)]) == .outcome(fail))
        #expect(VantageVerdict.combine([("a", lost), ("b", pass)]) == .outcome(pass))
        #expect(VantageVerdict.combine([("a", lost), ("b", lost)]) == .outcome(lost), "nobody reported: no step")
    }

    /// Two workers, each with its own view of the network (its own fake world), on one Postgres state with
    /// `vantages: 2`. `broken` lists the vantages whose world sees the listed domain's MX with an expired
    /// certificate.
    private func round(broken: Set<String>) async throws -> (Bed, [RunSummary]) {
        let bed = try await Bed.make(.postgres)
        var r = record(.listed)
        r.patterns = patterns("*.example.test")
        let listed = r
        try await bed.store.write { try $0.save(listed) }
        var workers: [ValidateAllService] = []
        for vantage in ["a", "b"] {
            let world = FakeWorld(clock: bed.clock)
            world.addGoodDomain("example.test")
            if broken.contains(vantage) {
                world.setSMTP("example.test", FakeWorld.expiredTLS("mx1.example.test", bed.clock.now()))
            }
            let store = vantage == "a" ? bed.store : try await bed.sut.reopen()
            workers.append(ValidateAllService(store: store, checker: world.checker, clock: bed.clock, publisher: bed.publisher,
                                              notifier: bed.notifier, concurrency: 2, vantage: vantage, vantages: 2))
        }
        // The first vantage alone cannot complete the round: it reports and leaves it open.
        let first = try await workers[0].run()
        #expect(first.awaitingVantages == 1 && first.validated == 1 && first.publication == nil)
        #expect(try await bed.store.read { try $0.record("example.test")?.state } == .listed, "no step on one vantage")
        #expect(await bed.publisher.publishCount == 0)
        let second = try await workers[1].run()
        #expect(second.run == first.run && second.awaitingVantages == 0)
        #expect(await bed.publisher.publishCount == 1, "the round completes once, when both have reported")
        return (bed, [first, second])
    }

    @Test func aFailureSeenFromOneVantageAloneIsAWarningNotAStep() async throws {
        let (bed, summaries) = try await round(broken: ["b"])
        #expect(summaries[1].disputed == 1)
        #expect(try await bed.store.read { try $0.record("example.test")?.state } == .listed)
        let events = try await bed.store.read { try $0.events(domain: "example.test") }
        let warning = try #require(events.last)
        #expect(warning.reason == .vantageDisagreement && warning.fromState == .listed && warning.toState == .listed)
        #expect(warning.detail.contains("failed from b only") && warning.detail.contains("tls.cert-expired"), "\(warning.detail)")
        // Status shows which vantage saw what.
        let validations = try await bed.store.read { try $0.validations(domain: "example.test", limit: 5) }
        #expect(Set(validations.map { "\($0.vantage ?? "-") \($0.eligible)" }) == ["a true", "b false"])
    }

    @Test func aFailureSeenFromBothVantagesMakesTheDomainFail() async throws {
        let (bed, summaries) = try await round(broken: ["a", "b"])
        #expect(summaries[1].disputed == 0 && summaries[1].failed == 1)
        #expect(try await bed.store.read { try $0.record("example.test")?.state } == .failing)
    }

    @Test func passingFromBothVantagesKeepsTheDomainListed() async throws {
        let (bed, summaries) = try await round(broken: [])
        #expect(summaries[1].passed == 1 && summaries[1].disputed == 0)
        #expect(try await bed.store.read { try $0.record("example.test")?.state } == .listed)
    }
}

/// What ran, in order, from any thread.
private final class Log: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var entries: [String] { lines.withLock { $0 } }
}
