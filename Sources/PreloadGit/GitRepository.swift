import CGit2

/// A git repository opened through libgit2. Owns its `git_repository` handle.
///
/// Synchronous and not `Sendable`: every call may block on disk I/O, so use it from a dedicated thread
/// (``GitThread/run(_:)``), never from Swift's cooperative pool.
public final class GitRepository {
    let handle: OpaquePointer

    /// Where HEAD points.
    public enum Head: Hashable, Sendable {
        /// HEAD names a branch (`refs/heads/main`); `commit` is `nil` while the branch is unborn
        /// (an empty repository).
        case branch(name: String, commit: GitObjectID?)
        /// HEAD is detached at a commit.
        case detached(GitObjectID)
    }

    /// Opens the repository that contains `path` (searching parent directories, like `git` does).
    public static func discover(from path: String) throws(GitError) -> GitRepository {
        ensureLibgit2()
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check("git_repository_discover(\(path))") { git_repository_discover(&buffer, path, 0, nil) }
        return try GitRepository(openingAt: String(cString: buffer.ptr))
    }

    /// Opens the repository at `path` (its work tree or its `.git` directory).
    public init(openingAt path: String) throws(GitError) {
        ensureLibgit2()
        var repo: OpaquePointer? = nil
        try check("git_repository_open(\(path))") { git_repository_open(&repo, path) }
        handle = repo!
    }

    /// Creates a new, empty repository with a work tree at `path` (tests, `--bootstrap` set-ups).
    public static func initialize(at path: String, initialBranch: String = "main") throws(GitError) -> GitRepository {
        ensureLibgit2()
        var options = git_repository_init_options()
        try check("git_repository_init_options_init") {
            git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION))
        }
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue
        var repo: OpaquePointer? = nil
        let rc = initialBranch.withCString { branch in
            options.initial_head = branch
            return git_repository_init_ext(&repo, path, &options)
        }
        if rc < 0 { throw GitError.capture("git_repository_init_ext(\(path))", rc) }
        return GitRepository(handle: repo!)
    }

    /// Takes ownership of a handle libgit2 returned.
    init(handle: OpaquePointer) { self.handle = handle }

    deinit { git_repository_free(handle) }

    /// The work tree's root, with a trailing `/`; `nil` for a bare repository.
    public var workTree: String? {
        git_repository_workdir(handle).map { String(cString: $0) }
    }

    /// The `.git` directory, with a trailing `/`.
    public var gitDirectory: String { String(cString: git_repository_path(handle)) }

    /// Where HEAD points (a branch, possibly unborn, or a detached commit).
    public func head() throws(GitError) -> Head {
        var ref: OpaquePointer? = nil
        try check("git_reference_lookup(HEAD)") { git_reference_lookup(&ref, handle, "HEAD") }
        defer { git_reference_free(ref) }
        if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC {
            let name = String(cString: git_reference_symbolic_target(ref))
            return .branch(name: name, commit: try referenceTarget(name))
        }
        guard let oid = git_reference_target(ref) else { throw .usage("HEAD", "HEAD has no target") }
        return .detached(GitObjectID(oid.pointee))
    }

    /// The commit a reference points to (peeling symbolic references); `nil` if it does not exist.
    public func referenceTarget(_ name: String) throws(GitError) -> GitObjectID? {
        var oid = git_oid()
        let rc = git_reference_name_to_id(&oid, handle, name)
        if rc == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        if rc < 0 { throw GitError.capture("git_reference_name_to_id(\(name))", rc) }
        return GitObjectID(oid)
    }

    /// The blob id of `path` in `commit`'s tree; `nil` if the path does not exist there or is not a file.
    func treeBlobID(_ path: String, in commit: GitObjectID) throws(GitError) -> git_oid? {
        let tree = try commitTree(commit)
        defer { git_tree_free(tree) }
        var entry: OpaquePointer? = nil
        let rc = git_tree_entry_bypath(&entry, tree, path)
        if rc == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        if rc < 0 { throw GitError.capture("git_tree_entry_bypath(\(path))", rc) }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
        return git_tree_entry_id(entry)!.pointee
    }

    /// A file in `commit`'s tree: its blob id and bytes; `nil` if the path does not exist there.
    public func file(_ path: String, in commit: GitObjectID) throws(GitError) -> (id: GitObjectID, bytes: [UInt8])? {
        guard var blobID = try treeBlobID(path, in: commit) else { return nil }
        var blob: OpaquePointer? = nil
        try check("git_blob_lookup(\(path))") { git_blob_lookup(&blob, handle, &blobID) }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        let bytes = size == 0 ? [] : Array(UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: size))
        return (GitObjectID(blobID), bytes)
    }

    /// A configuration value (repository, then global and system files); `nil` if unset.
    public func configString(_ key: String) throws(GitError) -> String? {
        var config: OpaquePointer? = nil
        try check("git_repository_config_snapshot") { git_repository_config_snapshot(&config, handle) }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>? = nil
        let rc = git_config_get_string(&value, config, key)
        if rc == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        if rc < 0 { throw GitError.capture("git_config_get_string(\(key))", rc) }
        return value.map { String(cString: $0) }
    }

    /// The message of a commit.
    public func commitMessage(_ commit: GitObjectID) throws(GitError) -> String {
        let c = try lookupCommit(commit)
        defer { git_commit_free(c) }
        return git_commit_message(c).map { String(cString: $0) } ?? ""
    }

    /// The parents of a commit.
    public func parents(of commit: GitObjectID) throws(GitError) -> [GitObjectID] {
        let c = try lookupCommit(commit)
        defer { git_commit_free(c) }
        return (0..<git_commit_parentcount(c)).compactMap { git_commit_parent_id(c, $0).map { GitObjectID($0.pointee) } }
    }

    func lookupCommit(_ id: GitObjectID) throws(GitError) -> OpaquePointer {
        var oid = id.oid
        var commit: OpaquePointer? = nil
        try check("git_commit_lookup(\(id))") { git_commit_lookup(&commit, handle, &oid) }
        return commit!
    }

    func commitTree(_ id: GitObjectID) throws(GitError) -> OpaquePointer {
        let commit = try lookupCommit(id)
        defer { git_commit_free(commit) }
        var tree: OpaquePointer? = nil
        try check("git_commit_tree(\(id))") { git_commit_tree(&tree, commit) }
        return tree!
    }
}
