import CGit2

/// A blob read piece by piece. A loose object (what `preload publish` writes) is inflated from disk as it is
/// read (`git_odb_open_rstream`), so a list of hundreds of megabytes is never held whole; a packed object
/// (after `git gc`) has no such stream in libgit2 and is inflated whole first, then handed out in pieces.
///
/// Owns its libgit2 objects; blocking I/O (use it on a thread that may block, like ``GitRepository``).
public final class GitBlobReader {
    /// The blob's size in bytes.
    public let size: Int
    /// Why a ``read(into:)`` returned 0 before the end of the blob, if it did.
    public private(set) var failure: GitError?
    private var stream: UnsafeMutablePointer<git_odb_stream>?
    private var odb: OpaquePointer?
    private var blob: OpaquePointer?
    private var offset = 0

    init(repository: OpaquePointer, id: GitObjectID) throws(GitError) {
        var oid = id.oid
        var odb: OpaquePointer? = nil
        try check("git_repository_odb") { git_repository_odb(&odb, repository) }
        var stream: UnsafeMutablePointer<git_odb_stream>? = nil
        var length = 0
        var type = GIT_OBJECT_INVALID
        if git_odb_open_rstream(&stream, &length, &type, odb, &oid) == 0, let stream {
            guard type == GIT_OBJECT_BLOB else {
                git_odb_stream_free(stream)
                git_odb_free(odb)
                throw .usage("git_odb_open_rstream(\(id))", "not a blob")
            }
            self.stream = stream
            self.odb = odb
            size = length
            return
        }
        git_error_clear()
        git_odb_free(odb)
        var blob: OpaquePointer? = nil
        try check("git_blob_lookup(\(id))") { git_blob_lookup(&blob, repository, &oid) }
        self.blob = blob
        size = Int(git_blob_rawsize(blob))
    }

    deinit {
        if let stream { git_odb_stream_free(stream) }
        if let odb { git_odb_free(odb) }
        if let blob { git_blob_free(blob) }
    }

    /// Reads the next bytes into `buffer`; returns how many, 0 at the end of the blob — or on a failure,
    /// which is then in ``failure``.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard failure == nil, offset < size, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let wanted = min(buffer.count, size - offset, Int(Int32.max))
        let n: Int
        if let stream {
            let rc = git_odb_stream_read(stream, base.assumingMemoryBound(to: CChar.self), wanted)
            guard rc > 0 else {
                failure = rc < 0 ? GitError.capture("git_odb_stream_read", rc)
                    : .usage("git_odb_stream_read", "the object ended after \(offset) of \(size) bytes")
                return 0
            }
            n = Int(rc)
        } else {
            base.copyMemory(from: git_blob_rawcontent(blob)! + offset, byteCount: wanted)
            n = wanted
        }
        offset += n
        return n
    }
}

extension GitRepository {
    /// The blob id and size of `path` in `commit`'s tree, without reading the blob; `nil` if the path does
    /// not exist there or is not a file.
    public func fileEntry(_ path: String, in commit: GitObjectID) throws(GitError) -> (id: GitObjectID, size: Int)? {
        guard var id = try treeBlobID(path, in: commit) else { return nil }
        var odb: OpaquePointer? = nil
        try check("git_repository_odb") { git_repository_odb(&odb, handle) }
        defer { git_odb_free(odb) }
        var size = 0
        var type = GIT_OBJECT_INVALID
        try check("git_odb_read_header(\(path))") { git_odb_read_header(&size, &type, odb, &id) }
        return (GitObjectID(id), size)
    }

    /// A reader of the blob `id`, piece by piece.
    public func blobReader(_ id: GitObjectID) throws(GitError) -> GitBlobReader {
        try GitBlobReader(repository: handle, id: id)
    }
}
