import CGit2

extension GitRepository {
    /// The signature header of `commit` and the bytes it covers (the commit object without that header).
    public struct CommitSignature: Hashable, Sendable {
        /// The header's value, e.g. an armoured `SSH SIGNATURE` block.
        public var signature: String
        /// The commit object's bytes without the signature header: what was signed.
        public var signedData: [UInt8]
    }

    /// The signature stored in `field` (default `gpgsig`) of `commit`, or `nil` when the commit is unsigned.
    public func commitSignature(_ commit: GitObjectID, field: String = "gpgsig") throws(GitError) -> CommitSignature? {
        var oid = commit.oid
        var signature = git_buf()
        var signed = git_buf()
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&signed)
        }
        let rc = git_commit_extract_signature(&signature, &signed, handle, &oid, field)
        if rc == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        if rc < 0 { throw GitError.capture("git_commit_extract_signature(\(commit))", rc) }
        let text = String(decoding: UnsafeRawBufferPointer(start: signature.ptr, count: signature.size), as: UTF8.self)
        let data = Array(UnsafeRawBufferPointer(start: signed.ptr, count: signed.size))
        return CommitSignature(signature: text, signedData: data)
    }
}
