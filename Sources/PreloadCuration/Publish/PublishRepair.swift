import PreloadGit

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

    /// The committed blob id and bytes of each of ``paths`` present in `head`.
    static func committedFiles(_ repo: GitRepository, head: GitObjectID?) throws(PublishError)
        -> [String: (id: GitObjectID, bytes: [UInt8])]
    {
        guard let head else { return [:] }
        var files: [String: (id: GitObjectID, bytes: [UInt8])] = [:]
        do {
            for path in paths { files[path] = try repo.file(path, in: head) }
        } catch {
            throw .git(error)
        }
        return files
    }

    /// Repairs the work tree from `committed` (HEAD's files, see ``committedFiles(_:head:)``); returns the
    /// paths rewritten or re-staged.
    static func run(_ repo: GitRepository, head: GitObjectID?, committed files: [String: (id: GitObjectID, bytes: [UInt8])])
        throws(PublishError) -> [String]
    {
        do {
            AtomicFile.removeLeftovers(in: try repo.workTreePath(ListRepositoryLayout.directory))
            guard head != nil else { return [] }
            var toStage: [String] = []
            var rewritten: [String] = []
            for path in paths {
                guard let committed = files[path] else { continue }
                let work = try AtomicFile.read(try repo.workTreePath(path))
                if work == committed.bytes {
                    if try repo.indexEntry(path) != committed.id { toStage.append(path) }
                    continue
                }
                if path == ListRepositoryLayout.allowedSignersPath, work != nil { continue }
                try AtomicFile.write(committed.bytes, to: try repo.workTreePath(path))
                rewritten.append(path)
                toStage.append(path)
            }
            if !toStage.isEmpty { try repo.stage(toStage) }
            return Array(Set(rewritten + toStage)).sorted()
        } catch {
            throw .git(error)
        }
    }
}
