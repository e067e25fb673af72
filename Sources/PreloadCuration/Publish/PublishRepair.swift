import PreloadCore
import PreloadGit
import PreloadSigning
import PreloadSystem

/// HEAD's list files. The list itself is only located (blob id and size): it can be hundreds of megabytes,
/// so it is read as a stream when it is verified or compared, never whole. The signature and the allowed
/// signers are small and read whole.
struct CommittedFiles {
    /// `list/preload.json`: its blob and size.
    var list: (id: GitObjectID, size: Int)?
    /// `list/preload.json.sig` and `list/allowed_signers`: blob id and bytes.
    var small: [String: (id: GitObjectID, bytes: [UInt8])] = [:]

    var signature: [UInt8]? { small[ListRepositoryLayout.signaturePath]?.bytes }
    var allowedSigners: [UInt8]? { small[ListRepositoryLayout.allowedSignersPath]?.bytes }

    /// Verifies the committed list against `verifier` as it streams out of the object database, comparing it
    /// on the way with the work tree's copy; returns the verified list and whether the work tree holds it.
    func verifyList(_ repo: GitRepository, _ verifier: ListVerifier, now: Timestamp) throws(PublishError)
        -> (list: VerifiedList, inWorkTree: Bool)?
    {
        guard let list else { return nil }
        let reader: GitBlobReader
        let comparison: AtomicFile.Comparison
        do {
            reader = try repo.blobReader(list.id)
            comparison = AtomicFile.Comparison(try repo.workTreePath(ListRepositoryLayout.listPath), size: list.size)
        } catch {
            throw .git(error)
        }
        let outcome = Result { () throws(ListVerificationError) in
            try verifier.verify(reading: { buffer in
                let n = reader.read(into: buffer)
                comparison.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                return n
            }, signature: String(decoding: signature ?? [], as: UTF8.self), now: now)
        }
        // A read that failed explains whatever the verifier made of a truncated list.
        if let failure = reader.failure { throw .git(failure) }
        switch outcome {
        case .success(let verified): return (verified, comparison.isEqual)
        case .failure(let error): throw .committedListUnverified(error)
        }
    }
}

/// Brings the work tree's list files back in line with HEAD after an interrupted run.
///
/// The repository (objects and branch) is the truth; `list/preload.json` and `list/preload.json.sig` in
/// the work tree are a check-out of it. A run killed after moving the branch leaves them old (or one new,
/// one old); a `git pull` leaves them as they were. Both are repaired by writing HEAD's versions
/// (atomically) and recording them in the index. Temporary files of an interrupted write are removed.
/// `list/allowed_signers` is only restored when it is missing or unchanged but not staged: a modified
/// copy is somebody's pending edit and is left alone.
///
/// - Warning: uncommitted edits to `list/preload.json` or its signature are overwritten: they are
///   generated files. Edit a copy and publish it with `--entries`.
enum PublishRepair {
    /// The files a publish run reads or repairs.
    static let paths = [ListRepositoryLayout.listPath, ListRepositoryLayout.signaturePath, ListRepositoryLayout.allowedSignersPath]

    /// HEAD's list files (see ``CommittedFiles``); empty for an unborn branch.
    static func committedFiles(_ repo: GitRepository, head: GitObjectID?) throws(PublishError) -> CommittedFiles {
        guard let head else { return CommittedFiles() }
        var files = CommittedFiles()
        do {
            files.list = try repo.fileEntry(ListRepositoryLayout.listPath, in: head)
            for path in [ListRepositoryLayout.signaturePath, ListRepositoryLayout.allowedSignersPath] {
                files.small[path] = try repo.file(path, in: head)
            }
        } catch {
            throw .git(error)
        }
        return files
    }

    /// Repairs the work tree from `committed` (HEAD's files, see ``committedFiles(_:head:)``); returns the
    /// paths rewritten or re-staged. `listInWorkTree` is whether the work tree's list is known to hold the
    /// committed one (found while verifying it); `nil` compares them here, streaming both.
    static func run(_ repo: GitRepository, head: GitObjectID?, committed: CommittedFiles, listInWorkTree: Bool? = nil)
        throws(PublishError) -> [String]
    {
        do {
            AtomicFile.removeLeftovers(in: try repo.workTreePath(ListRepositoryLayout.directory))
            guard head != nil else { return [] }
            var toStage: [String] = []
            var rewritten: [String] = []
            if let list = committed.list {
                let path = ListRepositoryLayout.listPath
                let same: Bool
                if let listInWorkTree { same = listInWorkTree } else { same = try workTreeHolds(repo, list.id, size: list.size) }
                if same {
                    if try repo.indexEntry(path) != list.id { toStage.append(path) }
                } else {
                    let reader = try repo.blobReader(list.id)
                    try AtomicFile.write(size: list.size, reading: reader.read(into:), to: try repo.workTreePath(path))
                    if let failure = reader.failure { throw failure }
                    rewritten.append(path)
                    toStage.append(path)
                }
            }
            for path in [ListRepositoryLayout.signaturePath, ListRepositoryLayout.allowedSignersPath] {
                guard let file = committed.small[path] else { continue }
                let work = try AtomicFile.read(try repo.workTreePath(path))
                if work == file.bytes {
                    if try repo.indexEntry(path) != file.id { toStage.append(path) }
                    continue
                }
                if path == ListRepositoryLayout.allowedSignersPath, work != nil { continue }
                try AtomicFile.write(file.bytes, to: try repo.workTreePath(path))
                rewritten.append(path)
                toStage.append(path)
            }
            if !toStage.isEmpty { try repo.stage(toStage) }
            return Array(Set(rewritten + toStage)).sorted()
        } catch {
            throw PublishError(error)
        }
    }

    /// Whether the work tree's list holds the blob `id`, streaming both.
    private static func workTreeHolds(_ repo: GitRepository, _ id: GitObjectID, size: Int) throws(GitError) -> Bool {
        let comparison = AtomicFile.Comparison(try repo.workTreePath(ListRepositoryLayout.listPath), size: size)
        guard comparison.equal else { return false }
        let reader = try repo.blobReader(id)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
        defer { buffer.deallocate() }
        while comparison.equal, case let n = reader.read(into: buffer), n > 0 {
            comparison.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        if let failure = reader.failure { throw failure }
        return comparison.isEqual
    }
}
