import Foundation
import PreloadCore
import PreloadTLS

extension ListIndex {
    /// Indexes a list that passed ``ListVerifier``.
    public init(verified: VerifiedList) { self.init(checkedList: verified.list) }
}

/// The production ``ListVerifying``: SSH signatures (namespace `preload-list`) by an allowed signer or a
/// pinned key, the v1 format, expiry and rollback, through ``ListVerifier``.
public struct SignedListVerifier: ListVerifying {
    /// Who may sign.
    public var trust: ListTrust

    /// A verifier trusting `trust`.
    public init(trust: ListTrust) { self.trust = trust }

    /// A verifier from saved trust anchors (``StateDirectory/TrustFile``).
    public init(_ file: StateDirectory.TrustFile) throws(ListRefusal) {
        do {
            switch file {
            case .allowedSigners(let text): trust = .allowedSigners(try AllowedSigners(parsing: text))
            case .key(let line):
                trust = .key(try SSHPublicKey(openSSHLine: line.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        } catch {
            throw ListRefusal("list.signer-unknown", "the saved trust anchors do not parse: \(error)")
        }
    }

    public func verifyForInstall(_ list: [UInt8], signature: String, minimumSerial: UInt64?,
                                 now: Timestamp) throws(ListRefusal) -> ListIndex {
        try verify(ListVerifier(trust: trust, minimumSerial: minimumSerial, refusesExpired: true), list, signature, now)
    }

    public func verifyInstalled(_ list: [UInt8], signature: String, now: Timestamp) throws(ListRefusal) -> ListIndex {
        try verify(ListVerifier(trust: trust, minimumSerial: nil, refusesExpired: false), list, signature, now)
    }

    private func verify(_ verifier: ListVerifier, _ list: [UInt8], _ signature: String,
                        _ now: Timestamp) throws(ListRefusal) -> ListIndex {
        do {
            return ListIndex(verified: try verifier.verify(list, signature: signature, now: now))
        } catch {
            throw ListRefusal(code: error.code, issues: error.issues)
        }
    }
}
