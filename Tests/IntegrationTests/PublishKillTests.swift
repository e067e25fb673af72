import Foundation
import PreloadCore
import PreloadCuration
import PreloadSigning
import PreloadTesting
import Testing

/// Crash safety: `preload publish` killed (SIGKILL) at every injected point leaves the branch at the old
/// commit with the old files or at the new commit with the new files, and the next run repairs and
/// completes.
@Suite("Publish kill tests", .serialized) struct PublishKillTests {
    let scratch: ScratchDirectory
    let binary: String

    init() throws {
        scratch = try ScratchDirectory("preload-kill")
        binary = try Tool.preloadBinary()
    }

    /// Runs `preload publish` in `repo` with `arguments`, optionally dying at `point`.
    func publish(_ repo: ListRepo, _ arguments: [String], at now: Timestamp, crashAt point: CrashPoint? = nil) async throws -> ProcessOutput {
        var env = ["PRELOAD_NOW": now.rfc3339]
        if let point { env["PRELOAD_CRASH_AT"] = point.rawValue }
        return try await Tool.run(binary, ["publish", "--repo", repo.path, "--signing-key", scratch.file("key")] + arguments,
                                  environment: env)
    }

    /// The committed list at HEAD verifies with OpenSSH and git; returns its serial.
    func expectConsistentHead(_ repo: ListRepo, _ label: String) async throws -> UInt64 {
        #expect(try await repo.verifyCommit(), "\(label): git verify-commit")
        #expect(try await repo.sshVerifyCommittedList(identity: "ops@example.org"), "\(label): ssh-keygen -Y verify")
        return try await repo.committedList().serial
    }

    @Test(arguments: CrashPoint.allCases.filter { $0 != .afterWriteAllowedSigners })
    func killedPublishLeavesOldOrNewAndTheNextRunCompletes(point: CrashPoint) async throws {
        if !FileManager.default.fileExists(atPath: scratch.file("key")) {
            _ = try SignFixtures.key(in: scratch, "key")
        }
        let key = try KeyFiles.readPrivateKey(scratch.file("key"))
        let repo = try await ListRepo(scratch)
        try repo.publish(key, entries: [try SignFixtures.entry("old.example")], bootstrap: true, publisher: "ops@example.org")
        let oldCommit = try await repo.head()!
        let oldList = repo.work("list/preload.json")!
        let oldSig = repo.work("list/preload.json.sig")!
        let t1 = SignFixtures.t0.adding(days: 1)
        try scratch.write("entries.json", bytes: SignFixtures.listFile([
            try SignFixtures.entry("old.example", at: t1), try SignFixtures.entry("new.example", at: t1)]))

        let crashed = try await publish(repo, ["--entries", scratch.file("entries.json")], at: t1, crashAt: point)
        #expect(crashed.signalled && crashed.status == 9, "\(point): not killed (\(crashed.status)): \(crashed.stderr)")

        // The repository itself is always consistent: HEAD is the old or the new commit, and verifies.
        let head = try await repo.head()!
        let serial = try await expectConsistentHead(repo, "\(point)")
        let movedPoints: Set<CrashPoint> = [.afterRefUpdate, .listTemporaryWritten, .afterWriteList, .afterWriteSignature,
                                            .afterIndexUpdate]
        if movedPoints.contains(point) {
            #expect(head != oldCommit && serial == 2, "\(point)")
            #expect(try await Tool.git(repo.path, "rev-parse", "HEAD^") == oldCommit)
        } else {
            #expect(head == oldCommit && serial == 1, "\(point)")
        }
        // The work tree is exactly what the point says.
        let newList = try await repo.committed("list/preload.json")!
        let newSig = try await repo.committed("list/preload.json.sig")!
        switch point {
        case .afterRender, .afterSign, .afterRepair, .afterCommitObject, .afterRefUpdate, .listTemporaryWritten:
            #expect(repo.work("list/preload.json") == oldList && repo.work("list/preload.json.sig") == oldSig, "\(point)")
        case .afterWriteList:
            #expect(repo.work("list/preload.json") == newList && repo.work("list/preload.json.sig") == oldSig, "\(point)")
        case .afterWriteSignature, .afterIndexUpdate:
            #expect(repo.work("list/preload.json") == newList && repo.work("list/preload.json.sig") == newSig, "\(point)")
        case .afterWriteAllowedSigners: break
        }
        let status = try await repo.status()
        #expect(status.isEmpty == (head == oldCommit || point == .afterIndexUpdate), "\(point): \(status)")

        // The next run repairs what is half-written and publishes on top of HEAD.
        let t2 = t1.adding(seconds: 3600)
        let next = try await publish(repo, ["--entries", scratch.file("entries.json"), "--format", "json"], at: t2)
        #expect(next.status == 0, "\(point): \(next.stderr)")
        let result = try JSONDecoder().decode(PublishResult.self, from: Data(next.stdout.utf8))
        #expect(result.serial == serial + 1)
        #expect(result.previousCommit == head)
        #expect(!result.repaired.isEmpty == (movedPoints.contains(point) && point != .afterIndexUpdate), "\(point): \(result.repaired)")
        #expect(try await expectConsistentHead(repo, "\(point) next") == serial + 1)
        #expect(try await repo.status() == "", "\(point)")
        #expect(repo.work("list/preload.json") == (try await repo.committed("list/preload.json")))
        #expect(try await repo.committedList().entries.map(\.domain.value) == ["new.example", "old.example"])
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/list/.preload-tmp.preload.json"))
    }

    @Test(arguments: [CrashPoint.afterCommitObject, .afterRefUpdate, .afterWriteSignature, .afterWriteAllowedSigners])
    func killedBootstrapIsCompletedOrRepaired(point: CrashPoint) async throws {
        if !FileManager.default.fileExists(atPath: scratch.file("key")) {
            _ = try SignFixtures.key(in: scratch, "key")
        }
        let repo = try await ListRepo(scratch)
        try scratch.write("boot.json", bytes: SignFixtures.listFile([try SignFixtures.entry("a.example")]))
        let args = ["--bootstrap", "--publisher", "ops@example.org", "--entries", scratch.file("boot.json")]
        let crashed = try await publish(repo, args, at: SignFixtures.t0, crashAt: point)
        #expect(crashed.signalled, "\(point): \(crashed.stderr)")
        let t1 = SignFixtures.t0.adding(days: 1)
        if point == .afterCommitObject {
            #expect(try await repo.head() == nil)
            // Nothing was published: bootstrap again.
            let again = try await publish(repo, args, at: t1)
            #expect(again.status == 0, "\(again.stderr)")
        } else {
            #expect(try await expectConsistentHead(repo, "\(point)") == 1)
            // Published: a bootstrap is refused, a repair puts the work tree right.
            #expect(try await publish(repo, args, at: t1).status == 1)
            let repair = try await publish(repo, ["--repair"], at: t1)
            #expect(repair.status == 0, "\(repair.stderr)")
        }
        #expect(try await repo.status() == "", "\(point)")
        #expect(repo.work("list/allowed_signers") == (try await repo.committed("list/allowed_signers")))
        let next = try await publish(repo, [], at: t1.adding(days: 1))
        #expect(next.status == 0, "\(point): \(next.stderr)")
        #expect(try await expectConsistentHead(repo, "\(point) next") == 2)
        #expect(try await repo.status() == "")
    }
}
