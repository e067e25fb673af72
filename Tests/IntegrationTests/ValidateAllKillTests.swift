import Foundation
import PreloadCore
import PreloadCuration
import PreloadState
import PreloadTesting
import Testing

/// `validate-all` on the built binary: a second run while one is active is refused (exit 75); a run killed
/// (SIGKILL) while validating or while publishing leaves state, list and repository consistent, and the
/// next run takes it over and completes the work.
@Suite("validate-all kill tests", .serialized) struct ValidateAllKillTests {
    static let good = "life-kill.test"
    static let stalled = "life-stall.test"

    /// Seeds `domains` as `listed` since `now` (a domain that passed probation), straight into the state.
    static func seedListed(_ cli: PreloadCLI, _ domains: [String], at now: Timestamp) async throws {
        try await seedListed(try SQLiteStateStore(directory: cli.state), domains, at: now)
    }

    /// The same into any state.
    static func seedListed(_ store: any CurationStore, _ domains: [String], at now: Timestamp) async throws {
        let rows = try domains.map {
            try DomainRecord.seededListed(try DomainName($0), contact: "life-kill@notify.test", now: now, detail: "seeded by a test")
        }
        try await store.write { tx in for row in rows { try tx.save(row) } }
    }

    /// Starts `preload validate-all` in the background (stdout/stderr discarded).
    static func spawn(_ cli: PreloadCLI, at now: Timestamp, _ extra: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cli.binary)
        process.arguments = ["validate-all", "--repo", cli.repo, "--signing-key", cli.key, "--bootstrap",
                             "--publisher", "life@example.org"] + extra
        var env = ProcessInfo.processInfo.environment
        env["PRELOAD_CRASH_AT"] = nil
        env["PRELOAD_NOW"] = now.rfc3339
        env["PRELOAD_DNS"] = cli.bed.dns.server
        env["PRELOAD_CA_FILE"] = cli.bed.caFile
        env["PRELOAD_STATE"] = cli.state
        env["HOME"] = cli.scratch.path
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits until the state shows an unfinished run (the spawned one holds the lock and has started).
    static func waitForRunStart(_ cli: PreloadCLI) async throws -> Bool {
        let store = try SQLiteStateStore(directory: cli.state)
        for _ in 0..<120 {
            if try await store.read({ try $0.unfinishedRuns() }).isEmpty == false { return true }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    static func summary(_ out: ProcessOutput) throws -> RunSummary {
        try JSONDecoder().decode(RunSummary.self, from: Data(out.stdout.utf8))
    }

    @Test func concurrentRunIsRefusedAndAKilledRunIsResumed() async throws {
        let cli = try await PreloadCLI("preload-vakill")
        let t0 = LifecycleEndToEndTests.today()
        try await Self.seedListed(cli, [Self.good, Self.stalled], at: t0)

        // A slow run: the stalled MX host holds its probe until the 60 s deadline — far longer than the test
        // needs (it is killed about a second after it starts), so that a loaded machine cannot let it finish
        // before the concurrent run and the kill.
        let slow = try Self.spawn(cli, at: t0.adding(days: 1), ["--timeout", "60"])
        #expect(try await Self.waitForRunStart(cli), "the first run never started")
        let second = try await cli.validateAll(at: t0.adding(days: 1))
        #expect(second.status == 75, "a concurrent run must be refused with 75: \(second.status) \(second.stderr)")
        #expect(slow.isRunning)

        // Kill it mid-run (the good domain validated, the stalled one still probing).
        try await Task.sleep(for: .seconds(1))
        kill(slow.processIdentifier, SIGKILL)
        await waitForExit(slow)
        #expect(slow.terminationReason == .uncaughtSignal)
        #expect(try await cli.committedDomains() == nil, "nothing was published")

        // The next run takes over, validates what is left, publishes and finishes (with the tests' step
        // deadline: the good domain may be among what is left, and must pass on a loaded machine).
        let next = try await cli.validateAll(at: t0.adding(days: 1).adding(seconds: 60))
        #expect(next.status == 0, "\(next.stderr)")
        let summary = try Self.summary(next)
        #expect(summary.resumed, "\(next.stdout)")
        #expect(summary.validated >= 1 && summary.validated <= 2)
        #expect(summary.publication?.action == .published, "\(next.stdout)")
        let now = t0.adding(days: 1).adding(seconds: 60)
        #expect(try await cli.state(of: Self.stalled, at: now) == "failing")
        #expect(try await cli.state(of: Self.good, at: now) == "listed", "\(next.stdout)")
        #expect(try await cli.committedDomains() == [Self.good, Self.stalled].sorted())
        #expect(try await cli.verifyList(at: now).0.status == 0)
        #expect(try await Tool.git(cli.repo, "status", "--porcelain") == "")
        let store = try SQLiteStateStore(directory: cli.state)
        #expect(try await store.read { try $0.unfinishedRuns() }.isEmpty)
    }

    @Test(arguments: [CrashPoint.afterSign, .afterRefUpdate, .afterWriteList, .afterIndexUpdate])
    func killedWhilePublishingIsCompletedByTheNextRun(point: CrashPoint) async throws {
        let cli = try await PreloadCLI("preload-vapub")
        let t0 = LifecycleEndToEndTests.today()
        try await Self.seedListed(cli, [Self.good], at: t0)
        let now = t0.adding(days: 1)

        let crashed = try await cli.validateAll(at: now, environment: ["PRELOAD_CRASH_AT": point.rawValue])
        #expect(crashed.signalled && crashed.status == 9, "\(point): not killed (\(crashed.status)): \(crashed.stderr)")
        #expect(try await cli.state(of: Self.good, at: now) == "listed", "\(point)")
        let published = [.afterRefUpdate, .afterWriteList, .afterIndexUpdate].contains(point)
        #expect(try await cli.committedDomains() == (published ? [Self.good] : nil), "\(point)")
        if published { #expect(try await cli.commitCount() == 1, "\(point)") }

        let next = try await cli.validateAll(at: now.adding(seconds: 60))
        #expect(next.status == 0, "\(point): \(next.stderr)")
        let summary = try Self.summary(next)
        #expect(summary.resumed, "\(point): \(next.stdout)")
        #expect(summary.validated == 0, "\(point): the killed run had validated everything")
        // The round has one publication: the list the next run commits, or — when the killed run had committed
        // it already — that commit, which the next run records for the round without committing again.
        #expect(summary.publication?.action == .published, "\(point): \(next.stdout)")
        if published { #expect(summary.publication?.reason.contains("interrupted") == true, "\(point): \(next.stdout)") }
        #expect(try await cli.committedDomains() == [Self.good], "\(point)")
        #expect(try await cli.commitCount() == 1, "\(point): exactly one list commit")
        let head = try await Tool.git(cli.repo, "rev-parse", "HEAD")
        #expect(summary.publication?.list?.commit == head, "\(point): \(next.stdout)")
        let snapshot = try await SQLiteStateStore(directory: cli.state).read { try $0.snapshot() }
        #expect(snapshot.publications.map(\.commit) == [head], "\(point): \(snapshot.publications)")
        #expect(snapshot.publications.map(\.runId) == snapshot.runs.map(\.id), "\(point): the round's publication")
        // A run killed after moving the branch but before finishing the work tree (after-ref-update,
        // after-write-list) leaves it behind HEAD: the next validate-all repairs it even though it skips
        // publishing, so the files verify and the work tree is clean.
        let verified = try await cli.verifyList(at: now.adding(seconds: 60)).0.status
        let dirty = try await Tool.git(cli.repo, "status", "--porcelain")
        #expect(verified == 0, "\(point)")
        #expect(dirty == "", "\(point)")
    }
}
