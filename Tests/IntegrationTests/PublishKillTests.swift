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
    func publish(_ repo: ListRepo, _ arguments: [String], at now: Timestamp, crashAt point: CrashPoint? = nil) throws -> ProcessOutput {
        var env = ["PRELOAD_NOW": now.rfc3339]
        if let point { env["PRELOAD_CRASH_AT"] = point.rawValue }
        return try Tool.run(binary, ["publish", "--repo", repo.path, "--signing-key", scratch.file("key")] + arguments,
                            environment: env)
    }

    /// The committed list at HEAD verifies with OpenSSH and git; returns its serial.
    func expectConsistentHead(_ repo: ListRepo, _ label: String) throws -> UInt64 {
        #expect(try repo.verifyCommit(), "\(label): git verify-commit")
        #expect(try repo.sshVerifyCommittedList(identity: "ops@example.org"), "\(label): ssh-keygen -Y verify")
        return try repo.committedList().serial
    }

    @Test(arguments: CrashPoint.allCases.filter { $0 != .afterWriteAllowedSigners })
    func killedPublishLeavesOldOrNewAndTheNextRunCompletes(point: CrashPoint) throws {
        if !FileManager.default.fileExists(atPath: scratch.file("key")) {
            _ = try SignFixtures.key(in: scratch, "key")
        }
        let key = try KeyFiles.readPrivateKey(scratch.file("key"))
        let repo = try ListRepo(scratch)
        try repo.publish(key, entries: [try SignFixtures.entry("old.example")], bootstrap: true, publisher: "ops@example.org")
        let oldCommit = try repo.head()!
        let oldList = repo.work("list/preload.json")!
        let oldSig = repo.work("list/preload.json.sig")!
        let t1 = SignFixtures.t0.adding(days: 1)
        try scratch.write("entries.json", bytes: SignFixtures.listFile([
            try SignFixtures.entry("old.example", at: t1), try SignFixtures.entry("new.example", at: t1)]))

        let crashed = try publish(repo, ["--entries", scratch.file("entries.json")], at: t1, crashAt: point)
        #expect(crashed.signalled && crashed.status == 9, "\(point): not killed (\(crashed.status)): \(crashed.stderr)")

        // The repository itself is always consistent: HEAD is the old or the new commit, and verifies.
        let head = try repo.head()!
        let serial = try expectConsistentHead(repo, "\(point)")
        let movedPoints: Set<CrashPoint> = [.afterRefUpdate, .listTemporaryWritten, .afterWriteList, .afterWriteSignature,
                                            .afterIndexUpdate]
        if movedPoints.contains(point) {
            #expect(head != oldCommit && serial == 2, "\(point)")
            #expect(try Tool.git(repo.path, "rev-parse", "HEAD^") == oldCommit)
        } else {
            #expect(head == oldCommit && serial == 1, "\(point)")
        }
        // The work tree is exactly what the point says.
        let newList = try repo.committed("list/preload.json")!
        let newSig = try repo.committed("list/preload.json.sig")!
        switch point {
        case .afterRender, .afterSign, .afterRepair, .afterCommitObject, .afterRefUpdate, .listTemporaryWritten:
            #expect(repo.work("list/preload.json") == oldList && repo.work("list/preload.json.sig") == oldSig, "\(point)")
        case .afterWriteList:
            #expect(repo.work("list/preload.json") == newList && repo.work("list/preload.json.sig") == oldSig, "\(point)")
        case .afterWriteSignature, .afterIndexUpdate:
            #expect(repo.work("list/preload.json") == newList && repo.work("list/preload.json.sig") == newSig, "\(point)")
        case .afterWriteAllowedSigners: break
        }
        let status = try repo.status()
        #expect(status.isEmpty == (head == oldCommit || point == .afterIndexUpdate), "\(point): \(status)")

        // The next run repairs what is half-written and publishes on top of HEAD.
        let t2 = t1.adding(seconds: 3600)
        let next = try publish(repo, ["--entries", scratch.file("entries.json"), "--format", "json"], at: t2)
        #expect(next.status == 0, "\(point): \(next.stderr)")
        let result = try JSONDecoder().decode(PublishResult.self, from: Data(next.stdout.utf8))
        #expect(result.serial == serial + 1)
        #expect(result.previousCommit == head)
        #expect(!result.repaired.isEmpty == (movedPoints.contains(point) && point != .afterIndexUpdate), "\(point): \(result.repaired)")
        #expect(try expectConsistentHead(repo, "\(point) next") == serial + 1)
        #expect(try repo.status() == "", "\(point)")
        #expect(repo.work("list/preload.json") == (try repo.committed("list/preload.json")))
        #expect(try repo.committedList().entries.map(\.domain.value) == ["new.example", "old.example"])
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/list/.preload-tmp.preload.json"))
    }

    @Test(arguments: [CrashPoint.afterCommitObject, .afterRefUpdate, .afterWriteSignature, .afterWriteAllowedSigners])
    func killedBootstrapIsCompletedOrRepaired(point: CrashPoint) throws {
        if !FileManager.default.fileExists(atPath: scratch.file("key")) {
            _ = try SignFixtures.key(in: scratch, "key")
        }
        let repo = try ListRepo(scratch)
        try scratch.write("boot.json", bytes: SignFixtures.listFile([try SignFixtures.entry("a.example")]))
        let args = ["--bootstrap", "--publisher", "ops@example.org", "--entries", scratch.file("boot.json")]
        let crashed = try publish(repo, args, at: SignFixtures.t0, crashAt: point)
        #expect(crashed.signalled, "\(point): \(crashed.stderr)")
        let t1 = SignFixtures.t0.adding(days: 1)
        if point == .afterCommitObject {
            #expect(try repo.head() == nil)
            // Nothing was published: bootstrap again.
            let again = try publish(repo, args, at: t1)
            #expect(again.status == 0, "\(again.stderr)")
        } else {
            #expect(try expectConsistentHead(repo, "\(point)") == 1)
            // Published: a bootstrap is refused, a repair puts the work tree right.
            #expect(try publish(repo, args, at: t1).status == 1)
            let repair = try publish(repo, ["--repair"], at: t1)
            #expect(repair.status == 0, "\(repair.stderr)")
        }
        #expect(try repo.status() == "", "\(point)")
        #expect(repo.work("list/allowed_signers") == (try repo.committed("list/allowed_signers")))
        let next = try publish(repo, [], at: t1.adding(days: 1))
        #expect(next.status == 0, "\(point): \(next.stderr)")
        #expect(try expectConsistentHead(repo, "\(point) next") == 2)
        #expect(try repo.status() == "")
    }
}
