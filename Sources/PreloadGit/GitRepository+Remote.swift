import CGit2
import Foundation

/// A time limit for a transfer: libgit2 asks for progress as data arrives, and the transfer is cancelled
/// once the deadline has passed.
///
/// - Warning: libgit2 1.5 has no connect timeout; a server that accepts the connection and then sends
///   nothing is only bounded by the operating system's TCP timeouts. Run transfers where that is
///   acceptable (`preload sync` from cron), or against local paths.
final class TransferDeadline {
    let deadline: DispatchTime
    var expired = false
    init(seconds: Double) { deadline = .now() + seconds }
}

private func deadlineProgress(_ stats: UnsafePointer<git_indexer_progress>?, _ payload: UnsafeMutableRawPointer?) -> Int32 {
    guard let payload else { return 0 }
    let box = Unmanaged<TransferDeadline>.fromOpaque(payload).takeUnretainedValue()
    if DispatchTime.now() > box.deadline {
        box.expired = true
        return -1
    }
    return 0
}

private func deadlineSideband(_ text: UnsafePointer<CChar>?, _ length: Int32, _ payload: UnsafeMutableRawPointer?) -> Int32 {
    deadlineProgress(nil, payload)
}

extension GitRepository {
    /// Clones `url` (a local path, `file://`, `https://`) into `path` as a bare repository: a client's
    /// copy of a list repository. Cancelled after `timeout` seconds of transfer.
    public static func cloneBare(from url: String, to path: String, timeout: Double = 300) throws(GitError) -> GitRepository {
        ensureLibgit2()
        var options = git_clone_options()
        try check("git_clone_options_init") { git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)) }
        options.bare = 1
        let box = TransferDeadline(seconds: timeout)
        let payload = Unmanaged.passUnretained(box).toOpaque()
        options.fetch_opts.callbacks.transfer_progress = deadlineProgress
        options.fetch_opts.callbacks.sideband_progress = deadlineSideband
        options.fetch_opts.callbacks.payload = payload
        var repo: OpaquePointer? = nil
        let rc = withExtendedLifetime(box) { git_clone(&repo, url, path, &options) }
        if rc < 0 {
            if box.expired { throw GitError(operation: "git_clone(\(url))", code: rc, message: "timed out after \(timeout) s") }
            throw GitError.capture("git_clone(\(url))", rc)
        }
        return GitRepository(handle: repo!)
    }

    /// Fetches `remote` with its configured refspecs (pruning deleted branches). Cancelled after
    /// `timeout` seconds of transfer.
    public func fetch(remote name: String = "origin", timeout: Double = 300) throws(GitError) {
        var remote: OpaquePointer? = nil
        try check("git_remote_lookup(\(name))") { git_remote_lookup(&remote, handle, name) }
        defer { git_remote_free(remote) }
        var options = git_fetch_options()
        try check("git_fetch_options_init") { git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)) }
        options.prune = GIT_FETCH_PRUNE
        let box = TransferDeadline(seconds: timeout)
        options.callbacks.transfer_progress = deadlineProgress
        options.callbacks.sideband_progress = deadlineSideband
        options.callbacks.payload = Unmanaged.passUnretained(box).toOpaque()
        let rc = withExtendedLifetime(box) { git_remote_fetch(remote, nil, &options, "preload: fetch") }
        if rc < 0 {
            if box.expired { throw GitError(operation: "fetch \(name)", code: rc, message: "timed out after \(timeout) s") }
            throw GitError.capture("git_remote_fetch(\(name))", rc)
        }
    }

    /// The commit of branch `branch` as last fetched from `remote`: `refs/remotes/<remote>/<branch>`, or
    /// `refs/heads/<branch>` in a bare mirror; `nil` if neither exists.
    public func fetchedBranch(_ branch: String, remote: String = "origin") throws(GitError) -> GitObjectID? {
        if let id = try referenceTarget("refs/remotes/\(remote)/\(branch)") { return id }
        return try referenceTarget("refs/heads/\(branch)")
    }
}
