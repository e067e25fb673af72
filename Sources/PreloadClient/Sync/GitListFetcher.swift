import Foundation
import PreloadCore
import PreloadGit
import PreloadSigning

/// Fetches `.git` sources through libgit2: a bare mirror per repository under `cacheDirectory`, cloned
/// once and fetched afterwards; the list and its signature are read from the tip of `branch` (default:
/// the repository's default branch). Nothing is checked out. The tip commit's SSH signature (namespace
/// `git`) must verify against ``commits``' trust anchors, else the source is refused; the list's own
/// signature is then checked by the list verifier, as for any other source.
public struct GitListFetcher: ListFetching {
    /// Where the mirrors live (e.g. the state directory's `cache/git`).
    public var cacheDirectory: String
    /// The branch holding the list; `nil` for the repository's default branch.
    public var branch: String?
    /// Transfer time limit, in seconds.
    public var timeout: Double
    /// The largest list accepted, in bytes.
    public var maxListBytes: Int
    /// Checks the signature of the commit holding the list.
    public var commits: CommitSignatureVerifier
    /// The time at which signers must be valid.
    public var clock: any TimeSource

    /// A fetcher; see the properties.
    public init(cacheDirectory: String, commits: CommitSignatureVerifier, clock: any TimeSource, branch: String? = nil,
                timeout: Double = 120, maxListBytes: Int = InputLimits.maxListBytes) {
        self.cacheDirectory = cacheDirectory
        self.commits = commits
        self.clock = clock
        self.branch = branch
        self.timeout = timeout
        self.maxListBytes = maxListBytes
    }

    public func fetch(_ source: ListSource) async -> ListFetchResult {
        guard case .git(let url) = source else { return .unreachable("not a git source: \(source)") }
        let fetcher = self
        do {
            return try await GitThread.run { fetcher.fetchBlocking(url) }
        } catch {
            return .unreachable("\(error)")
        }
    }

    private func fetchBlocking(_ url: String) -> ListFetchResult {
        let name = (try? Digest.sha256Hex(Array(url.utf8))).map { String($0.prefix(24)) } ?? "repo"
        let mirror = cacheDirectory + "/" + name + ".git"
        let repo: GitRepository
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: mirror) {
                repo = try GitRepository(openingAt: mirror)
                try repo.fetch(timeout: timeout)
            } else {
                let temporary = mirror + ".tmp-\(getpid())"
                try? FileManager.default.removeItem(atPath: temporary)
                _ = try GitRepository.cloneBare(from: url, to: temporary, timeout: timeout)
                try FileManager.default.moveItem(atPath: temporary, toPath: mirror)
                repo = try GitRepository(openingAt: mirror)
            }
        } catch {
            return .unreachable("git \(url): \(error)")
        }
        do {
            let branchName: String
            if let branch {
                branchName = branch
            } else if case .branch(let ref, _) = try repo.head() {
                branchName = String(ref.dropFirst("refs/heads/".count))
            } else {
                return .unreachable("git \(url): no default branch")
            }
            guard let tip = try repo.fetchedBranch(branchName) else {
                return .refused(ListRefusal(.listInvalid, "git \(url) has no branch \(branchName)"))
            }
            let signed = try repo.commitSignature(tip)
            do {
                try commits.verify(signature: signed?.signature, signedData: signed?.signedData ?? [], commit: "\(tip)",
                                   now: clock.now())
            } catch {
                return .refused(error)
            }
            guard let list = try repo.file("list/preload.json", in: tip),
                let signature = try repo.file("list/preload.json.sig", in: tip)
            else {
                return .refused(ListRefusal(.listInvalid, "git \(url) (\(branchName) at \(tip)) has no signed list/preload.json"))
            }
            guard list.bytes.count <= maxListBytes else {
                return .refused(ListRefusal(.listTooLarge,
                                            "the list in \(url) is \(list.bytes.count) bytes, above the limit of \(maxListBytes) bytes"))
            }
            guard signature.bytes.count <= InputLimits.maxSignatureBytes else {
                return .refused(ListRefusal(.listSignatureMalformed, "the signature in \(url) is \(signature.bytes.count) bytes, "
                    + "above the limit of \(InputLimits.maxSignatureBytes) bytes; an SSH signature is a few hundred bytes"))
            }
            return .fetched(list: list.bytes, signature: String(decoding: signature.bytes, as: UTF8.self))
        } catch {
            return .unreachable("git \(url): \(error)")
        }
    }
}
