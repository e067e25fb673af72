import Foundation
import PreloadCore
import PreloadCuration
import PreloadPostgres
import PreloadTesting
import Testing

/// Cooperating `validate-all` workers on one PostgreSQL state, through the built binary against the test
/// bed: two workers share a round, one of them is killed with SIGKILL at a random point of the round's
/// progress (20 trials, a seeded schedule), and the round still completes with one result per domain, one publication and one
/// signed list commit — the survivor, or a worker started afterwards, finishing what the dead one left.
@Suite("shared-round kill trials", .serialized) struct SharedRoundKillTests {
    static let trials = 20
    static let domainCount = 24

    /// `count` listed domains: the test bed's good `life-kill.test` and names under it that do not exist
    /// (they fail at once, which is a result all the same).
    static func seed(_ cli: PreloadCLI, count: Int, at now: Timestamp) async throws -> [String] {
        let names = [ValidateAllKillTests.good] + (1..<count).map { String(format: "gone%02d.life-kill.test", $0) }
        try await ValidateAllKillTests.seedListed(try await PostgresStateStore(url: cli.state), names, at: now)
        return names.sorted()
    }

    static func worker(_ cli: PreloadCLI, at now: Timestamp, vantage: String) throws -> Process {
        try ValidateAllKillTests.spawn(cli, at: now, ["--timeout", "2", "--concurrency", "3", "--lease-seconds", "2",
                                                      "--vantage", vantage])
    }

    @Test func aWorkerKilledAtARandomMomentNeverCostsTheRound() async throws {
        var random = SeededGenerator(seed: 0x5eed_0012)
        var killedMidRound = 0
        for trial in 1...Self.trials {
            let cli = try await PreloadCLI("preload-share-\(trial)", postgres: true)
            let t0 = LifecycleEndToEndTests.today()
            let names = try await Self.seed(cli, count: Self.domainCount, at: t0)
            let now = t0.adding(days: 1)
            let store = try await PostgresStateStore(url: cli.state)
            let workers = [try Self.worker(cli, at: now, vantage: "a"), try Self.worker(cli, at: now, vantage: "b")]
            let victim = Int.random(in: 0..<2, using: &random)
            // The moment of the kill is a point in the round's progress, not a time: once `killAfter` domains
            // have their result (all of them: while the round is being completed).
            let killAfter = Int.random(in: 0...names.count, using: &random)
            for _ in 0..<6000 where workers.allSatisfy(\.isRunning) {
                if try await store.read({ try $0.allRows(ValidationRow.self).count }) >= killAfter { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            if workers[victim].isRunning {
                kill(workers[victim].processIdentifier, SIGKILL)
                killedMidRound += 1
            }
            for w in workers { await waitForExit(w) }
            let survivor = workers[1 - victim]
            #expect(survivor.terminationStatus == 0, "trial \(trial): the surviving worker exited \(survivor.terminationStatus)")

            // A round left unfinished (the victim held the completion) is finished by the next worker.
            let round = try #require(try await store.read { try $0.lastCompletedRun() ?? $0.unfinishedRuns().first })
            if try await store.read({ try $0.run(round.id!)?.status }) != .completed {
                let next = try await cli.validateAll(at: now.adding(seconds: 30), ["--timeout", "2", "--lease-seconds", "2"])
                #expect(next.status == 0, "trial \(trial): \(next.stderr)")
            }
            let run = try await store.read { try $0.run(round.id!) }
            #expect(run?.status == .completed, "trial \(trial): the round did not complete")
            #expect(try await store.read { try $0.unfinishedRuns() }.isEmpty, "trial \(trial)")
            // One result per domain in the round, none lost, none twice.
            let snapshot = try await store.read { try $0.snapshot() }
            let results = snapshot.validations.filter { $0.runId == round.id }.map(\.domain.value).sorted()
            #expect(results == names, "trial \(trial): results \(results.count) of \(names.count)")
            #expect(snapshot.runItems.filter { $0.runId == round.id && !$0.done }.isEmpty, "trial \(trial)")
            #expect(snapshot.publications.filter { $0.runId == round.id }.count == 1, "trial \(trial): one publication")
            #expect(try await cli.commitCount() == 1, "trial \(trial): one list commit")
            #expect(try await cli.committedDomains() == names, "trial \(trial)")
            #expect(try await cli.verifyList(at: now.adding(seconds: 60)).0.status == 0, "trial \(trial)")
            #expect(try await Tool.git(cli.repo, "status", "--porcelain") == "", "trial \(trial)")
        }
        #expect(killedMidRound >= Self.trials / 2, "most kills must land while the round runs (\(killedMidRound))")
    }
}
