import Foundation
import PreloadClient
import PreloadCore
import PreloadSigning
import Testing

/// The commit check of git sources, against signatures made by OpenSSH's ssh-keygen.
@Suite("Commit signature verifier") struct CommitSignatureVerifierTests {
    let now = Timestamp(rfc3339: "2026-12-01T00:00:00Z")!
    let commit = Array("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example> 1 +0000\n\nlist\n".utf8)

    private func verifier(_ signer: SSHKeygenSigner, namespaces: String = "preload-list,git") throws -> CommitSignatureVerifier {
        let parts = signer.publicKeyLine.split(separator: " ")
        let line = "ops@example namespaces=\"\(namespaces)\" \(parts[0]) \(parts[1])\n"
        return CommitSignatureVerifier(trust: try ListTrust(.allowedSigners(line)))
    }

    private func code(_ body: () throws(ListRefusal) -> Void) -> IssueCode? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func acceptsACommitSignedForGitByAnAllowedSigner() async throws {
        let signer = try await SSHKeygenSigner()
        let signature = try await signer.sign(commit, namespace: "git")
        let check = try verifier(signer)
        #expect(code { () throws(ListRefusal) in try check.verify(signature: signature, signedData: commit, commit: "c", now: now) } == nil)
    }

    @Test func refusesUnsignedForeignTamperedAndWrongNamespace() async throws {
        let signer = try await SSHKeygenSigner()
        let other = try await SSHKeygenSigner()
        let check = try verifier(signer)
        let good = try await signer.sign(commit, namespace: "git")
        #expect(code { () throws(ListRefusal) in try check.verify(signature: nil, signedData: commit, commit: "c", now: now) }
            == "sync.commit-unsigned")
        let foreign = try await other.sign(commit, namespace: "git")
        #expect(code { () throws(ListRefusal) in try check.verify(signature: foreign, signedData: commit, commit: "c", now: now) }
            == "sync.commit-signature-invalid")
        var tampered = commit
        tampered[tampered.count - 2] ^= 1
        #expect(code { () throws(ListRefusal) in try check.verify(signature: good, signedData: tampered, commit: "c", now: now) }
            == "sync.commit-signature-invalid")
        let listNamespace = try await signer.sign(commit, namespace: "preload-list")
        #expect(code { () throws(ListRefusal) in try check.verify(signature: listNamespace, signedData: commit, commit: "c", now: now) }
            == "sync.commit-signature-invalid")
        #expect(code { () throws(ListRefusal) in try check.verify(signature: "garbage", signedData: commit, commit: "c", now: now) }
            == "sync.commit-signature-invalid")
        // A signer allowed for lists only may not sign commits.
        let listOnly = try verifier(signer, namespaces: "preload-list")
        #expect(code { () throws(ListRefusal) in try listOnly.verify(signature: good, signedData: commit, commit: "c", now: now) }
            == "sync.commit-signature-invalid")
    }
}
