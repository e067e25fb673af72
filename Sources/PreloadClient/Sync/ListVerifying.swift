import PreloadCore

/// Why a list was refused: its issue codes and findings (signature, signer, format, expiry, rollback).
public struct ListRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The main issue code, e.g. `list.signature-invalid`, `list.rollback`, `list.expired`.
    public var code: IssueCode
    /// The findings (several for a list with many format errors).
    public var issues: [Issue]

    /// A refusal with one finding.
    public init(_ code: IssueCode, _ message: String) {
        self.code = code
        issues = [Issue(code, .error, message)]
    }

    /// A refusal with its findings.
    public init(code: IssueCode, issues: [Issue]) {
        self.code = code
        self.issues = issues
    }

    public var description: String { issues.map(\.message).joined(separator: "; ") }
}

/// Turns list bytes and a signature into a ``ListIndex`` only when they verify. The production
/// implementation is the signed-list verifier (SSH signatures, allowed signers).
public protocol ListVerifying: Sendable {
    /// For installation: signature and signer, format, not expired at `now`, serial not below
    /// `minimumSerial` (rollback).
    func verifyForInstall(_ list: [UInt8], signature: String, minimumSerial: UInt64?, now: Timestamp) throws(ListRefusal) -> ListIndex
    /// For use of the installed copy: signature, signer and format. Expiry is not refused here: the merge
    /// rule ignores an expired list's entries, and the sync reports it.
    func verifyInstalled(_ list: [UInt8], signature: String, now: Timestamp) throws(ListRefusal) -> ListIndex
}
