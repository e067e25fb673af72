import PreloadCore
import PreloadSigning

/// Checks the SSH signature of the git commit that carries a list (namespace `git`) against the same
/// trust anchors as the list itself. A git source is refused unless its branch head is signed by an
/// allowed signer: the list's own signature is then checked as for any other source. Pure apart from the
/// OpenSSL calls; time is an input.
public struct CommitSignatureVerifier: Sendable {
    /// The SSH signature namespace of git commits.
    public static let namespace = "git"

    /// Who may sign commits.
    public var trust: ListTrust

    /// A verifier for `trust` (the allowed signers or the pinned key given to `preload sync`).
    public init(trust: ListTrust) { self.trust = trust }

    /// Verifies `signature` (the commit's `gpgsig` header, `nil` when absent) over `signedData` (the commit
    /// object without that header) at `now`. Throws `sync.commit-unsigned` or `sync.commit-signature-invalid`.
    public func verify(signature: String?, signedData: [UInt8], commit: String, now: Timestamp) throws(ListRefusal) {
        guard let signature else {
            throw ListRefusal(.syncCommitUnsigned, "commit \(commit) is not signed")
        }
        let sig: SSHSignature
        do {
            sig = try SSHSignature(armored: signature)
        } catch {
            throw ListRefusal(.syncCommitSignatureInvalid, "commit \(commit) has no readable SSH signature (\(error))")
        }
        guard sig.namespace == Self.namespace else {
            throw ListRefusal(.syncCommitSignatureInvalid,
                              "commit \(commit) is signed for namespace '\(sig.namespace)', not '\(Self.namespace)'")
        }
        let signer = SSHPublicKey(sig.publicKey)
        switch trust {
        case .key(let pinned):
            guard pinned.key == sig.publicKey else {
                throw ListRefusal(.syncCommitSignatureInvalid, "commit \(commit) is signed by \(signer.fingerprint), not the pinned key")
            }
        case .allowedSigners(let file):
            guard file.allows(sig.publicKey, namespace: Self.namespace, at: now) else {
                throw ListRefusal(.syncCommitSignatureInvalid,
                                  "commit \(commit) is signed by \(signer.fingerprint), not an allowed signer for namespace '\(Self.namespace)'")
            }
        }
        do {
            try sig.verify(signedData, namespace: Self.namespace)
        } catch {
            throw ListRefusal(.syncCommitSignatureInvalid, "the signature of commit \(commit) by \(signer.fingerprint) does not match it")
        }
    }
}
