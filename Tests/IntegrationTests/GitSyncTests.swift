import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadGit
import PreloadSigning
import PreloadTesting
import Testing

/// `preload sync --source REPO`: the list comes from a git repository published by `preload publish`, and
/// the branch head's commit signature (namespace `git`) is checked against the same allowed signers.
@Suite("preload sync from git", .serialized) struct GitSyncTests {
    let scratch: ScratchDirectory
    let origin: ListRepo
    let key: Ed25519PrivateKey
    let now = SignFixtures.t0.adding(days: 1)

    init() async throws {
        scratch = try ScratchDirectory("preload-git-sync")
        key = try Ed25519PrivateKey.generate()
        origin = try await ListRepo(scratch)
        try origin.publish(key, entries: [try SignFixtures.entry("a.example")], bootstrap: true, publisher: "ops@example.org")
        try scratch.write("allowed_signers", String(decoding: origin.work("list/allowed_signers")!, as: UTF8.self))
    }

    private func sync(_ source: String? = nil, trust: [String]? = nil) async throws -> (status: Int32, json: [String: Any]) {
        let out = try await Tool.run(try Tool.preloadBinary(), [
            "sync", "--source", source ?? origin.path, "--state", scratch.file("state"), "--format", "json",
        ] + (trust ?? ["--allowed-signers", scratch.file("allowed_signers")]), environment: ["PRELOAD_NOW": now.description])
        let json = (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String: Any] ?? [:]
        return (out.status, json)
    }

    private var installedSerial: UInt64? { StateDirectory(scratch.file("state")).highestSerial() }

    /// A commit on top of main, signed by `signer` (unsigned when `nil`), changing the list to `entries`.
    private func commitOnTop(signedBy signer: Ed25519PrivateKey?) async throws {
        let repo = try GitRepository(openingAt: origin.path)
        let parent = try #require(try repo.referenceTarget("refs/heads/main"))
        let tree = try repo.writeTree(basedOn: parent, replacing: ["NOTE": Array("not by the publisher\n".utf8)])
        let who = GitIdentity(name: "Someone", email: "someone@example.org")
        let commit: GitObjectID
        if let signer {
            commit = try repo.createSignedCommit(tree: tree, parent: parent, author: who, committer: who, time: now,
                                                 message: "foreign", sign: { try SSHSignature.sign($0, namespace: "git", with: signer).armored })
        } else {
            try await Tool.git(origin.path, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "unsigned")
            return
        }
        try repo.updateReference("refs/heads/main", to: commit, expecting: parent, logMessage: "test: foreign commit")
    }

    @Test func syncsASignedRepositoryPublishedByPreload() async throws {
        let first = try await sync()
        #expect(first.status == 0)
        #expect(first.json["result"] as? String == "updated")
        #expect(installedSerial == 1)
        #expect(StateDirectory(scratch.file("state")).installed() != nil)

        // A second publish is fetched into the same mirror.
        try origin.publish(key, entries: [try SignFixtures.entry("a.example"), try SignFixtures.entry("b.example")], at: now)
        let second = try await sync()
        #expect(second.status == 0)
        #expect(second.json["result"] as? String == "updated")
        #expect(second.json["domains"] as? Int == 2)
        #expect(installedSerial == 2)
        #expect(try await sync().json["result"] as? String == "unchanged")
    }

    @Test func refusesAnUnsignedHeadAndKeepsTheInstalledList() async throws {
        #expect(try await sync().status == 0)
        try await commitOnTop(signedBy: nil)
        let refused = try await sync()
        #expect(refused.status == 1)
        #expect(refused.json["result"] as? String == "refused")
        #expect(refused.json["code"] as? String == "sync.commit-unsigned")
        #expect(refused.json["serial"] as? Int == 1)
        #expect(installedSerial == 1)
    }

    @Test func refusesAHeadSignedByAForeignKey() async throws {
        #expect(try await sync().status == 0)
        try await commitOnTop(signedBy: try Ed25519PrivateKey.generate())
        let refused = try await sync()
        #expect(refused.status == 1)
        #expect(refused.json["code"] as? String == "sync.commit-signature-invalid")
        #expect(refused.json["serial"] as? Int == 1)
        #expect(installedSerial == 1)
    }

    @Test func aHeadSignedByTheListKeyButNotForGitIsRefused() async throws {
        // The same key, but the signature is for the list namespace: not a valid commit signature.
        #expect(try await sync().status == 0)
        let repo = try GitRepository(openingAt: origin.path)
        let parent = try #require(try repo.referenceTarget("refs/heads/main"))
        let tree = try repo.writeTree(basedOn: parent, replacing: ["NOTE": Array("x\n".utf8)])
        let who = GitIdentity(name: "Someone", email: "someone@example.org")
        let commit = try repo.createSignedCommit(tree: tree, parent: parent, author: who, committer: who, time: now, message: "ns",
                                                 sign: { try SSHSignature.sign($0, namespace: "preload-list", with: key).armored })
        try repo.updateReference("refs/heads/main", to: commit, expecting: parent, logMessage: "test")
        let refused = try await sync()
        #expect(refused.status == 1)
        #expect(refused.json["code"] as? String == "sync.commit-signature-invalid")
    }

    @Test func anUnreachableRepositoryExits75AndKeepsTheList() async throws {
        #expect(try await sync().status == 0)
        let missing = try await sync(scratch.file("nowhere.git"))
        #expect(missing.status == 75)
        #expect(missing.json["result"] as? String == "unreachable")
        #expect(missing.json["serial"] as? Int == 1)
        #expect(installedSerial == 1)
    }

    @Test func aPinnedKeyChecksTheCommitToo() async throws {
        try scratch.write("list.pub", SSHPublicKey(key.publicKey, comment: "list").openSSHLine + "\n")
        let pinned = ["--key", scratch.file("list.pub")]
        #expect(try await sync(trust: pinned).status == 0)
        try await commitOnTop(signedBy: try Ed25519PrivateKey.generate())
        let refused = try await sync(trust: pinned)
        #expect(refused.status == 1)
        #expect(refused.json["code"] as? String == "sync.commit-signature-invalid")
        #expect(installedSerial == 1)
    }
}
