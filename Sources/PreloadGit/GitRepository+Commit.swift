import CGit2
import Foundation
import PreloadCore

extension GitRepository {
    /// Writes `bytes` as a blob object.
    public func writeBlob(_ bytes: [UInt8]) throws(GitError) -> GitObjectID {
        var oid = git_oid()
        try check("git_blob_create_from_buffer") {
            bytes.withUnsafeBytes { git_blob_create_from_buffer(&oid, handle, $0.baseAddress, $0.count) }
        }
        return GitObjectID(oid)
    }

    /// Writes a tree that is `parent`'s tree (or the empty tree when `parent` is `nil`) with `files`
    /// (path → content, paths relative to the repository root, `/`-separated) added or replaced as
    /// regular files. Nothing in the work tree or index is read or changed.
    public func writeTree(basedOn parent: GitObjectID?, replacing files: [String: [UInt8]]) throws(GitError)
        -> GitObjectID
    {
        var blobs: [String: GitObjectID] = [:]
        for (path, bytes) in files { blobs[path] = try writeBlob(bytes) }
        return try writeTree(basedOn: parent, replacingWithBlobs: blobs)
    }

    /// Like ``writeTree(basedOn:replacing:)``, with blobs already written (``writeBlob(_:)``).
    public func writeTree(basedOn parent: GitObjectID?, replacingWithBlobs blobs: [String: GitObjectID]) throws(GitError)
        -> GitObjectID
    {
        let baseline: OpaquePointer
        if let parent { baseline = try commitTree(parent) } else { baseline = try emptyTree() }
        defer { git_tree_free(baseline) }
        var updates: [git_tree_update] = []
        var paths: [UnsafeMutablePointer<CChar>] = []
        defer { paths.forEach { free($0) } }
        for (path, blob) in blobs.sorted(by: { $0.key < $1.key }) {
            guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains(where: { $0 == ".." || $0 == ".git" })
            else { throw .usage("writeTree", "refusing path '\(path)'") }
            let cPath = strdup(path)!
            paths.append(cPath)
            updates.append(git_tree_update(action: GIT_TREE_UPDATE_UPSERT, id: blob.oid, filemode: GIT_FILEMODE_BLOB,
                                           path: UnsafePointer(cPath)))
        }
        var oid = git_oid()
        try check("git_tree_create_updated") {
            updates.withUnsafeBufferPointer { git_tree_create_updated(&oid, handle, baseline, $0.count, $0.baseAddress) }
        }
        return GitObjectID(oid)
    }

    /// Creates a signed commit object of `tree` on top of `parent` (none for a root commit) and returns
    /// its id. The unsigned commit bytes (`git_commit_create_buffer`) are passed to `sign`, which returns
    /// an armoured SSH signature (namespace `git`); the signature goes into the `gpgsig` header
    /// (`git_commit_create_with_signature`). No reference moves: see ``updateReference(_:to:expecting:logMessage:)``.
    public func createSignedCommit(tree: GitObjectID, parent: GitObjectID?, author: GitIdentity,
                                   committer: GitIdentity, time: Timestamp, message: String,
                                   sign: ([UInt8]) throws -> String) throws -> GitObjectID {
        var treeOID = tree.oid
        var treeObject: OpaquePointer? = nil
        try check("git_tree_lookup(\(tree))") { git_tree_lookup(&treeObject, handle, &treeOID) }
        defer { git_tree_free(treeObject) }
        var parentCommit: OpaquePointer? = nil
        if let parent { parentCommit = try lookupCommit(parent) }
        defer { if let parentCommit { git_commit_free(parentCommit) } }
        let authorSig = try makeSignature(author, time)
        defer { git_signature_free(authorSig) }
        let committerSig = try makeSignature(committer, time)
        defer { git_signature_free(committerSig) }

        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        var parents: [OpaquePointer?] = parentCommit.map { [$0] } ?? []
        try check("git_commit_create_buffer") {
            parents.withUnsafeMutableBufferPointer { list in
                git_commit_create_buffer(&buffer, handle, authorSig, committerSig, nil, message, treeObject,
                                         list.count, list.count == 0 ? nil : list.baseAddress)
            }
        }
        let content = Array(UnsafeRawBufferPointer(start: buffer.ptr, count: buffer.size))
        var signature = try sign(content)
        while signature.hasSuffix("\n") { signature.removeLast() }
        var oid = git_oid()
        try check("git_commit_create_with_signature") {
            git_commit_create_with_signature(&oid, handle, buffer.ptr, signature, "gpgsig")
        }
        return GitObjectID(oid)
    }

    /// Moves (or creates) reference `name` to `target`, but only if it still points to `expected`
    /// (`nil`: only if it does not exist yet). Compare-and-swap: a concurrent writer makes this throw a
    /// ``GitError`` whose ``GitError/isConcurrentModification`` is true, and nothing changes.
    public func updateReference(_ name: String, to target: GitObjectID, expecting expected: GitObjectID?,
                                logMessage: String) throws(GitError) {
        var newOID = target.oid
        var ref: OpaquePointer? = nil
        if var oldOID = expected?.oid {
            try check("git_reference_create_matching(\(name))") {
                git_reference_create_matching(&ref, handle, name, &newOID, 1, &oldOID, logMessage)
            }
        } else {
            try check("git_reference_create(\(name))") {
                git_reference_create(&ref, handle, name, &newOID, 0, logMessage)
            }
        }
        git_reference_free(ref)
    }

    private func emptyTree() throws(GitError) -> OpaquePointer {
        var builder: OpaquePointer? = nil
        try check("git_treebuilder_new") { git_treebuilder_new(&builder, handle, nil) }
        defer { git_treebuilder_free(builder) }
        var oid = git_oid()
        try check("git_treebuilder_write") { git_treebuilder_write(&oid, builder) }
        var tree: OpaquePointer? = nil
        try check("git_tree_lookup(empty)") { git_tree_lookup(&tree, handle, &oid) }
        return tree!
    }

    private func makeSignature(_ who: GitIdentity, _ time: Timestamp) throws(GitError) -> UnsafeMutablePointer<git_signature> {
        var sig: UnsafeMutablePointer<git_signature>? = nil
        try check("git_signature_new(\(who.name) <\(who.email)>)") {
            git_signature_new(&sig, who.name, who.email, git_time_t(time.secondsSince1970), 0)
        }
        return sig!
    }
}
