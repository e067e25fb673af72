import PreloadCore
import PreloadSigning

extension ListIndex {
    /// Indexes a list that passed ``ListVerifier``: the only public way to a `ListIndex`.
    public init(verified: VerifiedList) {
        self.init(checkedList: verified.list)
    }
}

extension ListTrust {
    /// The trust anchors as saved in the state directory (`trust/allowed_signers` or `trust/key.pub`).
    public init(_ file: StateDirectory.TrustFile) throws(ListRefusal) {
        do {
            switch file {
            case .allowedSigners(let text): self = .allowedSigners(try AllowedSigners(parsing: text))
            case .key(let line): self = .key(try SSHPublicKey(openSSHLine: line))
            }
        } catch {
            throw ListRefusal(.listSignerUnknown, "the trust anchors are unusable: \(error)")
        }
    }
}

extension ListVerificationError {
    /// As the sync engine reports refusals.
    public var refusal: ListRefusal { ListRefusal(code: code, issues: issues) }
}

/// ``ListVerifying`` for the sync engine and the daemon: SSH signatures checked against allowed signers
/// or a pinned key, by ``ListVerifier``.
public struct SignedListVerifier: ListVerifying {
    /// Who may sign lists.
    public var trust: ListTrust

    /// A verifier trusting `trust`.
    public init(trust: ListTrust) { self.trust = trust }

    /// A verifier from the trust anchors saved in the state directory.
    public init(_ file: StateDirectory.TrustFile) throws(ListRefusal) {
        self.init(trust: try ListTrust(file))
    }

    /// Signature, signer, format, expiry at `now`, serial not below `minimumSerial`.
    public func verifyForInstall(_ list: [UInt8], signature: String, minimumSerial: UInt64?, now: Timestamp)
        throws(ListRefusal) -> ListIndex
    {
        do {
            return ListIndex(verified: try ListVerifier(trust: trust, minimumSerial: minimumSerial)
                .verify(list, signature: signature, now: now))
        } catch {
            throw error.refusal
        }
    }

    /// Signature, signer and format; an expired list is still indexed (the merge rule ignores it).
    public func verifyInstalled(_ list: [UInt8], signature: String, now: Timestamp) throws(ListRefusal) -> ListIndex {
        do {
            return ListIndex(verified: try ListVerifier(trust: trust, refusesExpired: false)
                .verify(list, signature: signature, now: now))
        } catch {
            throw error.refusal
        }
    }
}
