import CGit2
import Foundation
import PreloadSystem

extension GitRepository {
    /// The absolute work-tree path of a repository path; throws for a bare repository.
    public func workTreePath(_ path: String) throws(GitError) -> String {
        guard let root = workTree else { throw .usage("work tree", "the repository at \(gitDirectory) is bare") }
        return root + path
    }

    /// Writes `path` in the work tree with its content in `commit`, atomically (temporary file + rename).
    /// A path absent from `commit` is removed from the work tree.
    public func checkOut(_ path: String, from commit: GitObjectID) throws(GitError) {
        let target = try workTreePath(path)
        if let file = try file(path, in: commit) {
            do {
                try AtomicFile.write(file.bytes, to: target)
            } catch {
                throw .usage(error.operation, error.reason)
            }
        } else if unlink(target) != 0 && errno != ENOENT {
            throw .usage("unlink \(target)", String(cString: strerror(errno)))
        }
    }

    /// Records the work-tree state of `paths` in the index (`git add`, or removal for a missing file) and
    /// writes the index (libgit2 writes it through a lock file and a rename).
    public func stage(_ paths: [String]) throws(GitError) {
        let index = try openIndex()
        defer { git_index_free(index) }
        for path in paths {
            if FileManager.default.fileExists(atPath: try workTreePath(path)) {
                try check("git_index_add_bypath(\(path))") { git_index_add_bypath(index, path) }
            } else {
                let rc = git_index_remove_bypath(index, path)
                if rc < 0 { throw GitError.capture("git_index_remove_bypath(\(path))", rc) }
            }
        }
        try check("git_index_write") { git_index_write(index) }
    }

    /// Records in the index that each work-tree file `path` holds the blob `blob`, with the file's current
    /// `stat` data — what a check-out does, without reading the files back. Use it right after writing
    /// exactly the blob's bytes to the file; otherwise use ``stage(_:)``.
    public func recordCheckedOut(_ files: [(path: String, blob: GitObjectID)]) throws(GitError) {
        let index = try openIndex()
        defer { git_index_free(index) }
        for (path, blob) in files {
            let full = try workTreePath(path)
            var info = stat()
            guard stat(full, &info) == 0 else { throw .usage("stat \(full)", String(cString: strerror(errno))) }
            var entry = git_index_entry()
            entry.ctime = git_index_time(seconds: Int32(truncatingIfNeeded: info.st_ctim.tv_sec),
                                         nanoseconds: UInt32(truncatingIfNeeded: info.st_ctim.tv_nsec))
            entry.mtime = git_index_time(seconds: Int32(truncatingIfNeeded: info.st_mtim.tv_sec),
                                         nanoseconds: UInt32(truncatingIfNeeded: info.st_mtim.tv_nsec))
            entry.dev = UInt32(truncatingIfNeeded: info.st_dev)
            entry.ino = UInt32(truncatingIfNeeded: info.st_ino)
            entry.mode = GIT_FILEMODE_BLOB.rawValue
            entry.uid = UInt32(truncatingIfNeeded: info.st_uid)
            entry.gid = UInt32(truncatingIfNeeded: info.st_gid)
            entry.file_size = UInt32(truncatingIfNeeded: info.st_size)
            entry.id = blob.oid
            let rc = path.withCString { cPath in
                entry.path = cPath
                return git_index_add(index, &entry)
            }
            if rc < 0 { throw GitError.capture("git_index_add(\(path))", rc) }
        }
        try check("git_index_write") { git_index_write(index) }
    }

    /// The blob id the index holds for `path` (stage 0), or `nil`.
    public func indexEntry(_ path: String) throws(GitError) -> GitObjectID? {
        let index = try openIndex()
        defer { git_index_free(index) }
        guard let entry = git_index_get_bypath(index, path, 0) else { return nil }
        return GitObjectID(entry.pointee.id)
    }

    private func openIndex() throws(GitError) -> OpaquePointer {
        var index: OpaquePointer? = nil
        try check("git_repository_index") { git_repository_index(&index, handle) }
        let rc = git_index_read(index, 0)
        if rc < 0 {
            let error = GitError.capture("git_index_read", rc)
            git_index_free(index)
            throw error
        }
        return index!
    }
}
