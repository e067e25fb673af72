import Foundation
import PreloadCore
import PreloadGit
import PreloadSigning
import PreloadTesting
import Testing

/// The libgit2 wrapper on its own, checked with the git command line.
@Suite("Git repository", .serialized) struct GitRepositoryTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory("preload-git") }

    @Test func unbornHeadThenCommitsWithTreesBuiltInMemory() async throws {
        let repo = try await ListRepo(scratch, branch: "trunk")
        let git = try GitRepository.discover(from: repo.path)
        #expect(try await git.head() == .branch(name: "refs/heads/trunk", commit: nil))
        #expect(try git.configString("user.email") == "list-test@example.org")
        #expect(try git.configString("preload.no-such-key") == nil)
        let who = GitIdentity(name: "Publisher", email: "p@example.org")
        let t0 = SignFixtures.t0

        let tree1 = try git.writeTree(basedOn: nil, replacing: ["a/b/c.txt": Array("c\n".utf8), "top.txt": Array("t\n".utf8)])
        let c1 = try git.createSignedCommit(tree: tree1, parent: nil, author: who, committer: who, time: t0, message: "one\n",
                                            sign: { _ in "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n" })
        // Objects are written, but no reference moved.
        #expect(try await git.head() == .branch(name: "refs/heads/trunk", commit: nil))
        try git.updateReference("refs/heads/trunk", to: c1, expecting: nil, logMessage: "one")
        #expect(try await git.head() == .branch(name: "refs/heads/trunk", commit: c1))
        #expect(try await Tool.git(repo.path, "cat-file", "-p", c1.hex).contains("gpgsig -----BEGIN SSH SIGNATURE-----\n AAAA\n -----END SSH SIGNATURE-----\n"))
        #expect(try await Tool.git(repo.path, "log", "-1", "--format=%an <%ae> %at %s") == "Publisher <p@example.org> \(t0.secondsSince1970) one")

        // Replace one nested file; the others stay as they are.
        let tree2 = try git.writeTree(basedOn: c1, replacing: ["a/b/c.txt": Array("c2\n".utf8)])
        let c2 = try git.createSignedCommit(tree: tree2, parent: c1, author: who, committer: who, time: t0, message: "two\n",
                                            sign: { _ in "sig" })
        #expect(try git.file("top.txt", in: c2)?.bytes == Array("t\n".utf8))
        #expect(try git.file("a/b/c.txt", in: c2)?.bytes == Array("c2\n".utf8))
        #expect(try git.file("a/b/none.txt", in: c2) == nil)
        #expect(try git.parents(of: c2) == [c1])
        #expect(try git.commitMessage(c2) == "two\n")
        #expect(try await Tool.git(repo.path, "ls-tree", "-r", "--name-only", c2.hex) == "a/b/c.txt\ntop.txt")

        // Compare-and-swap: a stale expectation changes nothing.
        #expect {
            try git.updateReference("refs/heads/trunk", to: c2, expecting: c2, logMessage: "stale")
        } throws: { ($0 as? GitError)?.isConcurrentModification == true }
        #expect {
            try git.updateReference("refs/heads/trunk", to: c2, expecting: nil, logMessage: "exists")
        } throws: { ($0 as? GitError)?.isConcurrentModification == true }
        #expect(try await git.head() == .branch(name: "refs/heads/trunk", commit: c1))
        try git.updateReference("refs/heads/trunk", to: c2, expecting: c1, logMessage: "two")
        #expect(try await git.head() == .branch(name: "refs/heads/trunk", commit: c2))

        // Work tree and index follow for the chosen paths only.
        try git.checkOut("a/b/c.txt", from: c2)
        try git.checkOut("top.txt", from: c2)
        try git.stage(["a/b/c.txt", "top.txt"])
        #expect(try await repo.status() == "")
        #expect(try git.indexEntry("top.txt") == git.file("top.txt", in: c2)?.id)
    }

    @Test func refusesPathsOutsideTheTree() async throws {
        let repo = try await ListRepo(scratch)
        let git = try GitRepository(openingAt: repo.path)
        for bad in ["../x", "/abs", "a/../../x", ".git/config", ""] {
            #expect(throws: GitError.self) { try git.writeTree(basedOn: nil, replacing: [bad: [1]]) }
        }
    }

    @Test func errorsCarryLibgit2sMessage() throws {
        #expect {
            try GitRepository(openingAt: scratch.file("nowhere"))
        } throws: { error in
            guard let e = error as? GitError else { return false }
            return e.isNotFound && !e.message.isEmpty
        }
    }
}

/// Clone and fetch (what `preload sync` will use), from a local path.
@Suite("Git repository: clone and fetch", .serialized) struct GitRemoteTests {
    @Test func cloneThenFetchFollowsThePublisher() async throws {
        let scratch = try ScratchDirectory("preload-git-remote")
        let key = try Ed25519PrivateKey.generate()
        let origin = try await ListRepo(scratch)
        let first = try origin.publish(key, entries: [], bootstrap: true, publisher: "ops@example.org")
        let mirror = try GitRepository.cloneBare(from: origin.path, to: scratch.file("mirror.git"))
        #expect(mirror.workTree == nil)
        let fetched1 = try #require(try mirror.fetchedBranch("main"))
        #expect(fetched1.hex == first.commit)
        #expect(try mirror.file("list/preload.json", in: fetched1)?.bytes == origin.work("list/preload.json"))

        let second = try origin.publish(key, entries: nil, at: SignFixtures.t0.adding(days: 1))
        #expect(try mirror.fetchedBranch("main") == fetched1)
        try mirror.fetch()
        #expect(try mirror.fetchedBranch("main")?.hex == second.commit)
        #expect(try mirror.fetchedBranch("no-such-branch") == nil)
    }

    @Test func cloningFromNowhereFails() throws {
        let scratch = try ScratchDirectory("preload-git-remote")
        #expect(throws: GitError.self) {
            try GitRepository.cloneBare(from: scratch.file("missing"), to: scratch.file("m.git"))
        }
    }
}
