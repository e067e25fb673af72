import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadGit
import PreloadSigning
import PreloadTesting
import Testing

/// A list repository for publish tests, checked with the git and ssh-keygen command lines.
struct ListRepo {
    let scratch: ScratchDirectory
    let path: String

    init(_ scratch: ScratchDirectory, branch: String = "main") async throws {
        self.scratch = scratch
        path = scratch.file("repo-\(UUID().uuidString.prefix(6))")
        try await Tool.run("git", ["init", "-q", "-b", branch, path])
        try await Tool.git(path, "config", "user.name", "List Test")
        try await Tool.git(path, "config", "user.email", "list-test@example.org")
    }

    /// The commit HEAD points to, or `nil` while the branch is unborn.
    func head() async throws -> String? {
        let out = try await Tool.run("git", ["-C", path, "rev-parse", "--verify", "-q", "HEAD"])
        return out.status == 0 ? out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// `git status --porcelain` (untracked files included).
    func status() async throws -> String { try await Tool.git(path, "status", "--porcelain") }

    /// A file as committed in `rev`, or `nil`.
    func committed(_ file: String, at rev: String = "HEAD") async throws -> [UInt8]? {
        let out = try await Tool.run("git", ["-C", path, "show", "\(rev):\(file)"])
        return out.status == 0 ? Array(out.stdout.utf8) : nil
    }

    /// A work-tree file, or `nil`.
    func work(_ file: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path + "/" + file).map(Array.init)
    }

    /// Writes a work-tree file.
    func write(_ file: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// `git verify-commit` with the committed allowed signers (git's own SSH signature check).
    func verifyCommit(_ rev: String = "HEAD") async throws -> Bool {
        guard let signers = try await committed("list/allowed_signers", at: rev) else { return false }
        let file = scratch.file("allowed-\(UUID().uuidString.prefix(6))")
        try Data(signers).write(to: URL(fileURLWithPath: file))
        let out = try await Tool.run("git", ["-C", path, "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(file)",
                                             "verify-commit", rev])
        return out.status == 0
    }

    /// `ssh-keygen -Y verify` of the committed list with the committed allowed signers, as `identity`.
    func sshVerifyCommittedList(identity: String, rev: String = "HEAD") async throws -> Bool {
        guard let list = try await committed("list/preload.json", at: rev), let sig = try await committed("list/preload.json.sig", at: rev),
            let signers = try await committed("list/allowed_signers", at: rev)
        else { return false }
        let tag = UUID().uuidString.prefix(6)
        try scratch.write("sig-\(tag)", bytes: sig)
        try scratch.write("allowed-\(tag)", bytes: signers)
        let out = try await Tool.run("ssh-keygen", ["-Y", "verify", "-f", scratch.file("allowed-\(tag)"), "-I", identity,
                                                    "-n", "preload-list", "-s", scratch.file("sig-\(tag)")], stdin: list)
        return out.status == 0
    }

    /// The committed list, verified by our verifier (expiry not checked).
    func committedList(rev: String = "HEAD") async throws -> PreloadList {
        guard let list = try await committed("list/preload.json", at: rev), let sig = try await committed("list/preload.json.sig", at: rev),
            let signers = try await committed("list/allowed_signers", at: rev)
        else { throw SignTestError("no committed list at \(rev)") }
        let trust = ListTrust.allowedSigners(try AllowedSigners(parsing: String(decoding: signers, as: UTF8.self)))
        return try ListVerifier(trust: trust, refusesExpired: false)
            .verify(list, signature: String(decoding: sig, as: UTF8.self), now: SignFixtures.t0).list
    }

    /// Publishes through the library.
    @discardableResult
    func publish(_ key: Ed25519PrivateKey, entries: [ListEntry]?, at now: Timestamp = SignFixtures.t0,
                 bootstrap: Bool = false, publisher: String? = nil, serial: UInt64? = nil) throws -> PublishResult {
        try ListPublisher(repositoryPath: path, signingKey: key)
            .publish(PublishRequest(entries: entries, now: now, publisher: publisher, serial: serial, bootstrap: bootstrap))
    }

    /// Everything a refusal must leave untouched: HEAD, status, the list files in the work tree, the index.
    func snapshot() async throws -> [String] {
        var parts = [try await head() ?? "unborn", try await status(), try await Tool.git(path, "ls-files", "-s")]
        for file in ["list/preload.json", "list/preload.json.sig", "list/allowed_signers"] {
            parts.append(work(file).map { String(decoding: $0, as: UTF8.self) } ?? "absent")
        }
        return parts
    }
}

extension SignFixtures {
    /// A v1 list file holding `entries` (for `--entries`).
    static func listFile(_ entries: [ListEntry], publisher: String = "ops@example.org") -> [UInt8] {
        let generated = entries.map(\.provenance.verified).max() ?? t0
        return ListCodec.encode(PreloadList(serial: 1, generated: generated, expires: generated.adding(days: 1),
                                            publisher: publisher, entries: entries))
    }
}
