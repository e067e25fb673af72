import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadGit
import PreloadSigning
import PreloadTesting
import Testing

/// `ListPublisher` against real repositories, checked with `git verify-commit` and `ssh-keygen -Y verify`.
@Suite("Publish", .serialized) struct PublishTests {
    let scratch: ScratchDirectory
    let key: Ed25519PrivateKey

    init() throws {
        scratch = try ScratchDirectory("preload-publish")
        key = try Ed25519PrivateKey.generate()
    }

    @Test func bootstrapThenPublishMakesSignedCommitsAndACleanWorkTree() async throws {
        let repo = try await ListRepo(scratch)
        try repo.write("README.md", Array("the list repository\n".utf8))
        try await Tool.git(repo.path, "add", "README.md")
        try await Tool.git(repo.path, "commit", "-q", "-m", "readme")
        let base = try await repo.head()

        let first = try repo.publish(key, entries: [try SignFixtures.entry("a.example"), try SignFixtures.entry("b.example", .testing)],
                                     bootstrap: true, publisher: "ops@example.org")
        #expect(first.serial == 1)
        #expect(first.previousSerial == nil)
        #expect(first.wroteAllowedSigners)
        #expect(first.previousCommit == base)
        #expect(try await repo.head() == first.commit)
        #expect(try await repo.status() == "")
        #expect(try await repo.verifyCommit())
        #expect(try await repo.sshVerifyCommittedList(identity: "ops@example.org"))
        #expect(try await repo.committed("README.md") == Array("the list repository\n".utf8))
        #expect(repo.work("list/preload.json") == (try await repo.committed("list/preload.json")))

        // An unrelated local change survives publishing and stays the only change.
        try repo.write("README.md", Array("edited\n".utf8))
        let t1 = SignFixtures.t0.adding(days: 1)
        let second = try repo.publish(key, entries: [
            try SignFixtures.entry("a.example", .testing, at: t1), try SignFixtures.entry("c.example", at: t1),
        ], at: t1)
        #expect(second.serial == 2)
        #expect(second.previousSerial == 1)
        #expect(!second.wroteAllowedSigners)
        #expect(try await Tool.git(repo.path, "rev-parse", "HEAD^") == first.commit)
        #expect(try await repo.status() == "M README.md")
        #expect(try await repo.verifyCommit())
        #expect(try await repo.sshVerifyCommittedList(identity: "ops@example.org"))
        let list = try await repo.committedList()
        #expect(list.serial == 2)
        #expect(list.generated == t1)
        #expect(list.expires == t1.adding(days: 14))
        #expect(list.entries.map(\.domain.value) == ["a.example", "c.example"])
        let message = try await Tool.git(repo.path, "log", "-1", "--format=%B")
        let diff = ListDiff(old: try await repo.committedList(rev: "HEAD^"), new: list)
        #expect(diff.added.map(\.value) == ["c.example"])
        #expect(diff.removed.map(\.value) == ["b.example"])
        #expect(message.hasPrefix(diff.summary.split(separator: "\n").first.map(String.init) ?? "-"))
        #expect(message.contains("c.example") && message.contains("b.example"))
        // Without entries: the committed entries again, next serial, new expiry.
        let t2 = t1.adding(days: 1)
        let third = try repo.publish(key, entries: nil, at: t2)
        #expect(third.serial == 3)
        #expect(try await repo.committedList().entries == list.entries)
        #expect(try await repo.committedList().expires == t2.adding(days: 14))
    }

    @Test func bootstrapOnAnUnbornBranchOfAnyName() async throws {
        let repo = try await ListRepo(scratch, branch: "lists")
        let result = try repo.publish(key, entries: [], bootstrap: true, publisher: "ops@example.org")
        #expect(result.branch == "refs/heads/lists")
        #expect(result.previousCommit == nil)
        #expect(try await Tool.git(repo.path, "rev-list", "--count", "HEAD") == "1")
        #expect(try await repo.verifyCommit())
        #expect(try await repo.status() == "")
    }

    @Test func bootstrapUsesAnAllowedSignersFileFromTheWorkTree() async throws {
        let repo = try await ListRepo(scratch)
        let other = try Ed25519PrivateKey.generate()
        let text = """
            ops@example.org namespaces="preload-list,git" \(SSHPublicKey(key.publicKey).openSSHLine)
            standby@example.org namespaces="preload-list,git" \(SSHPublicKey(other.publicKey).openSSHLine)

            """
        try repo.write("list/allowed_signers", Array(text.utf8))
        let result = try repo.publish(key, entries: [], bootstrap: true, publisher: "Example Mail Alliance")
        #expect(result.wroteAllowedSigners)
        #expect(try await repo.committed("list/allowed_signers") == Array(text.utf8))
        #expect(try await repo.status() == "")
        // The standby key may publish the next list (rotation without a new commit of the file).
        try repo.publish(other, entries: [], at: SignFixtures.t0.adding(seconds: 60))
        #expect(try await repo.verifyCommit())
        #expect(try await repo.sshVerifyCommittedList(identity: "standby@example.org"))
    }

    @Test func keyRotationThroughAReviewedCommit() async throws {
        let repo = try await ListRepo(scratch)
        try repo.publish(key, entries: [], bootstrap: true, publisher: "ops@example.org")
        let newKey = try Ed25519PrivateKey.generate()
        expectRefusal(try repo.publish(newKey, entries: [], at: SignFixtures.t0.adding(days: 1))) {
            if case .signingKeyNotAllowed(_, .unknownKey) = $0 { true } else { false }
        }
        // Add the new key in an ordinary (reviewed) commit, publish with it, then retire the old key.
        var signers = String(decoding: repo.work("list/allowed_signers")!, as: UTF8.self)
        signers += "ops@example.org namespaces=\"preload-list,git\" \(SSHPublicKey(newKey.publicKey).openSSHLine)\n"
        try repo.write("list/allowed_signers", Array(signers.utf8))
        try await Tool.git(repo.path, "commit", "-q", "-am", "allowed signers: add the 2027 key")
        try repo.publish(newKey, entries: [], at: SignFixtures.t0.adding(days: 1))
        #expect(try await repo.verifyCommit())
        let retired = signers.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        try repo.write("list/allowed_signers", Array(retired.utf8))
        try await Tool.git(repo.path, "commit", "-q", "-am", "allowed signers: retire the 2026 key")
        let result = try repo.publish(newKey, entries: [], at: SignFixtures.t0.adding(days: 2))
        #expect(result.serial == 3)
        expectRefusal(try repo.publish(key, entries: [], at: SignFixtures.t0.adding(days: 3))) {
            if case .signingKeyNotAllowed = $0 { true } else { false }
        }
    }

    @Test func refusalsWriteNothing() async throws {
        let repo = try await ListRepo(scratch)
        expectRefusal(try repo.publish(key, entries: [])) { if case .noCommittedList = $0 { true } else { false } }
        #expect(try await repo.head() == nil)
        try repo.publish(key, entries: [try SignFixtures.entry("a.example")], bootstrap: true, publisher: "ops@example.org")
        let later = SignFixtures.t0.adding(days: 1)
        let before = try await repo.snapshot()

        expectRefusal(try repo.publish(key, entries: [], at: later, serial: 1)) {
            if case .serialNotGreater(requested: 1, committed: 1) = $0 { true } else { false }
        }
        expectRefusal(try repo.publish(try Ed25519PrivateKey.generate(), entries: [], at: later)) {
            if case .signingKeyNotAllowed(_, .unknownKey) = $0 { true } else { false }
        }
        expectRefusal(try repo.publish(key, entries: [], at: later, bootstrap: true, publisher: "x")) {
            if case .alreadyBootstrapped(serial: 1) = $0 { true } else { false }
        }
        // An entry added after the generation time breaks a format rule.
        expectRefusal(try repo.publish(key, entries: [try SignFixtures.entry("z.example", at: later.adding(days: 1))], at: later)) {
            if case .listInvalid = $0 { true } else { false }
        }
        #expect(try await repo.snapshot() == before)
    }

    @Test func aCommittedListThatDoesNotVerifyIsNotPublishedOver() async throws {
        let repo = try await ListRepo(scratch)
        try repo.publish(key, entries: [try SignFixtures.entry("a.example")], bootstrap: true, publisher: "ops@example.org")
        // Somebody commits an edited list without re-signing it.
        var bytes = repo.work("list/preload.json")!
        let i = bytes.firstIndex(of: UInt8(ascii: "a"))!
        bytes[i] = UInt8(ascii: "b")
        try repo.write("list/preload.json", bytes)
        try await Tool.git(repo.path, "commit", "-q", "-am", "hand edit")
        let before = try await repo.snapshot()
        expectRefusal(try repo.publish(key, entries: [], at: SignFixtures.t0.adding(days: 1))) {
            if case .committedListUnverified(.signatureInvalid) = $0 { true } else { false }
        }
        #expect(try await repo.snapshot() == before)

        // Or drops the signer of the committed list from the allowed signers.
        let repo2 = try await ListRepo(scratch)
        try repo2.publish(key, entries: [], bootstrap: true, publisher: "ops@example.org")
        let newKey = try Ed25519PrivateKey.generate()
        try repo2.write("list/allowed_signers",
                        Array("ops@example.org namespaces=\"preload-list,git\" \(SSHPublicKey(newKey.publicKey).openSSHLine)\n".utf8))
        try await Tool.git(repo2.path, "commit", "-q", "-am", "swap keys at once")
        expectRefusal(try repo2.publish(newKey, entries: [], at: SignFixtures.t0.adding(days: 1))) {
            if case .committedListUnverified(.signerUnknown) = $0 { true } else { false }
        }
    }

    @Test func repairRestoresTheWorkTreeFromHead() async throws {
        let repo = try await ListRepo(scratch)
        try repo.publish(key, entries: [try SignFixtures.entry("a.example")], bootstrap: true, publisher: "ops@example.org")
        let committed = repo.work("list/preload.json")!
        try repo.write("list/preload.json", Array("{}".utf8))
        try FileManager.default.removeItem(atPath: repo.path + "/list/preload.json.sig")
        try repo.write("list/.preload-tmp.preload.json", Array("half".utf8))
        let repaired = try ListPublisher(repositoryPath: repo.path, signingKey: key).repair()
        #expect(repaired == ["list/preload.json", "list/preload.json.sig"])
        #expect(repo.work("list/preload.json") == committed)
        #expect(try await repo.status() == "")
    }

    @Test func validateAllPublishesThroughTheRepositoryAdapter() async throws {
        let repo = try await ListRepo(scratch)
        let adapter = RepositoryListPublisher(
            publisher: ListPublisher(repositoryPath: repo.path, signingKey: key), clock: FixedTime(SignFixtures.t0),
            publisherName: "ops@example.org", bootstrapWhenEmpty: true)
        #expect(try await adapter.committedList() == nil)
        let first = try await adapter.publish(entries: [try SignFixtures.entry("a.example")], now: SignFixtures.t0)
        #expect(first.serial == 1)
        #expect(first.commit == (try await repo.head()))
        let second = try await adapter.publish(entries: [], now: SignFixtures.t0.adding(days: 1))
        #expect(second.serial == 2)
        #expect(second.domains == 0)
        #expect(try await adapter.committedList()?.serial == 2)
        #expect(try await repo.verifyCommit())
        #expect(try await repo.status() == "")
    }

    /// A run verifies the committed list once (``RepositoryListPublisher/committedList()``) and publishes over
    /// it; if HEAD moves in between, the new HEAD's list is verified before anything is published over it.
    @Test func theAdapterVerifiesAgainWhenHeadMovedSinceItsCheck() async throws {
        let repo = try await ListRepo(scratch)
        try repo.publish(key, entries: [try SignFixtures.entry("a.example")], bootstrap: true, publisher: "ops@example.org")
        let adapter = RepositoryListPublisher(
            publisher: ListPublisher(repositoryPath: repo.path, signingKey: key), clock: FixedTime(SignFixtures.t0),
            publisherName: "ops@example.org", bootstrapWhenEmpty: true)
        #expect(try await adapter.committedList()?.serial == 1)
        // Meanwhile somebody commits an edited list without re-signing it.
        var bytes = repo.work("list/preload.json")!
        bytes[bytes.firstIndex(of: UInt8(ascii: "a"))!] = UInt8(ascii: "b")
        try repo.write("list/preload.json", bytes)
        try await Tool.git(repo.path, "commit", "-q", "-am", "hand edit")
        let before = try await repo.snapshot()
        await #expect {
            _ = try await adapter.publish(entries: [], now: SignFixtures.t0.adding(days: 1))
        } throws: { error in
            if case .committedListUnverified(.signatureInvalid)? = error as? PublishError { true } else { false }
        }
        #expect(try await repo.snapshot() == before)
    }

    /// What the run's check verified is published over without a second verification, and the work tree is
    /// still compared with HEAD (and repaired) when the commit is made.
    @Test func theAdapterRepairsAWorkTreeChangedSinceItsCheck() async throws {
        let repo = try await ListRepo(scratch)
        try repo.publish(key, entries: [try SignFixtures.entry("a.example")], bootstrap: true, publisher: "ops@example.org")
        let adapter = RepositoryListPublisher(
            publisher: ListPublisher(repositoryPath: repo.path, signingKey: key), clock: FixedTime(SignFixtures.t0))
        #expect(try await adapter.committedList()?.serial == 1)
        try repo.write("list/preload.json.sig", Array("not a signature".utf8))
        let published = try await adapter.publish(entries: [try SignFixtures.entry("b.example")], now: SignFixtures.t0.adding(days: 1))
        #expect(published.serial == 2)
        #expect(try await repo.committedList().entries.map(\.domain.value) == ["b.example"])
        #expect(try await repo.status() == "")
        #expect(try await repo.verifyCommit())
    }

    @Test func detachedHeadIsRefused() async throws {
        let repo = try await ListRepo(scratch)
        try repo.publish(key, entries: [], bootstrap: true, publisher: "ops@example.org")
        try await Tool.git(repo.path, "checkout", "-q", "--detach")
        expectRefusal(try repo.publish(key, entries: [], at: SignFixtures.t0.adding(days: 1))) {
            if case .detachedHead = $0 { true } else { false }
        }
    }

    private func expectRefusal(_ body: @autoclosure () throws -> PublishResult, sourceLocation: SourceLocation = #_sourceLocation,
                               _ matches: (PublishError) -> Bool) {
        do {
            let result = try body()
            Issue.record("expected a refusal, published serial \(result.serial)", sourceLocation: sourceLocation)
        } catch let error as PublishError {
            #expect(matches(error), "unexpected refusal: \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
