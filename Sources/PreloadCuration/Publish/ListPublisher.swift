import Foundation
import PreloadCore
import PreloadGit
import PreloadSigning
import PreloadSystem

/// What to publish.
public struct PublishRequest: Sendable {
    /// The domains; `nil` re-publishes the committed list's entries (a refresh with a new expiry).
    public var entries: [ListEntry]?
    /// Provider aliases the entries refer to (ignored when `entries` is `nil`).
    public var aliases: [String: AliasPolicy]
    /// Generation time of the new list (and the commit time).
    public var now: Timestamp
    /// How long the list stays valid, in seconds (default 14 days).
    public var validity: Int64
    /// Publisher name; `nil` keeps the committed list's. Also the signer identity written by a bootstrap.
    public var publisher: String?
    /// An explicit serial; `nil` means the committed serial + 1. Must be greater than the committed one.
    public var serial: UInt64?
    /// Publish the first list of a repository whose HEAD has none.
    public var bootstrap: Bool
    /// Commit author and committer; `nil` takes `user.name`/`user.email` from the git configuration.
    public var author: GitIdentity?

    /// A request; see the properties.
    public init(entries: [ListEntry]?, aliases: [String: AliasPolicy] = [:], now: Timestamp,
                validity: Int64 = 14 * 86400, publisher: String? = nil, serial: UInt64? = nil,
                bootstrap: Bool = false, author: GitIdentity? = nil) {
        self.entries = entries
        self.aliases = aliases
        self.now = now
        self.validity = validity
        self.publisher = publisher
        self.serial = serial
        self.bootstrap = bootstrap
        self.author = author
    }
}

/// What a publish run did.
public struct PublishResult: Sendable, Codable {
    /// The new commit.
    public var commit: String
    /// The commit it replaced (`nil` for the first commit of an empty repository).
    public var previousCommit: String?
    /// The branch that moved.
    public var branch: String
    /// The new serial.
    public var serial: UInt64
    /// The committed serial before (`nil` on bootstrap).
    public var previousSerial: UInt64?
    /// The new list's generation time.
    public var generated: Timestamp
    /// The new list's expiry.
    public var expires: Timestamp
    /// How many domains the new list has.
    public var domains: Int
    /// The commit message's change summary.
    public var summary: [String]
    /// Work-tree paths repaired from HEAD before publishing (an earlier run was interrupted).
    public var repaired: [String]
    /// Whether `list/allowed_signers` was committed by this run (bootstrap).
    public var wroteAllowedSigners: Bool
    /// Things worth knowing that did not stop the run.
    public var warnings: [String]
}

/// Publishes a preload list: renders the canonical v1 list, signs it (SSHSIG, `preload-list`), and
/// commits `list/preload.json` + `list/preload.json.sig` in one SSH-signed commit through libgit2.
///
/// The steps, and why a crash at any point is safe:
/// 1. Lock (`flock`, released by the kernel on death). Read HEAD; verify the committed list against the
///    committed `list/allowed_signers`; check the signing key is allowed; pick the serial; render and
///    validate; sign. Every refusal happens here, before anything is written.
/// 2. Repair the work tree from HEAD if an earlier run was interrupted (see `PublishRepair`).
/// 3. Write blobs, tree and the signed commit object — unreferenced until step 4, so harmless if we die.
///    (The list's blob is written during step 1, beside the diff and the signing, once nothing can refuse.)
/// 4. Move the branch with compare-and-swap on the old commit id (a lock file and a rename in libgit2):
///    the single atomic switch from the old list to the new one.
/// 5. Write the work-tree files (temporary file + rename each) and update the index, so `git status`
///    is clean. A crash here leaves HEAD new and the work tree (partly) old: the next run's step 2 fixes it.
///
/// Synchronous and blocking (libgit2, file I/O): call it from a dedicated thread, e.g. through
/// ``publishInBackground(_:)``.
public struct ListPublisher: Sendable {
    /// A path inside the repository (its work tree); the repository is discovered from it.
    public var repositoryPath: String
    /// The key that signs the list and the commit.
    public var signingKey: Ed25519PrivateKey
    /// Fault injection for tests.
    public var crashPoints: CrashPoints

    /// A publisher for the repository containing `repositoryPath`.
    public init(repositoryPath: String, signingKey: Ed25519PrivateKey, crashPoints: CrashPoints = .none) {
        self.repositoryPath = repositoryPath
        self.signingKey = signingKey
        self.crashPoints = crashPoints
    }

    /// ``publish(_:over:)`` on a dedicated thread.
    public func publishInBackground(_ request: PublishRequest, over known: VerifiedHead? = nil) async throws -> PublishResult {
        let publisher = self
        return try await GitThread.run { try publisher.publish(request, over: known) }
    }

    /// Publishes; see the type's documentation for the steps.
    ///
    /// `known` is the committed list as this run already verified it (``verifiedHead(now:)``): when HEAD is
    /// still that commit, its list is not verified a second time (the commit fixes the list, its signature and
    /// the allowed signers, so the verdict is the same); when HEAD has moved, or nothing is known, the
    /// committed list is verified here. Either way what is published builds on a verified list.
    public func publish(_ request: PublishRequest, over known: VerifiedHead? = nil) throws(PublishError) -> PublishResult {
        let repo = try open()
        let lock = try PublishError.lock(gitDirectory: repo.gitDirectory)
        defer { withExtendedLifetime(lock) {} }
        let (branch, head) = try branchAndHead(repo)
        let now = request.now
        var warnings: [String] = []

        // 1. What is committed, and may we publish over it? The committed list is verified as it streams out
        // of the object database, and compared on the way with the work tree's copy (step 2).
        let committed = try PublishRepair.committedFiles(repo, head: head)
        let committedSigners = committed.allowedSigners
        var previous: VerifiedList? = nil
        var listInWorkTree: Bool? = nil
        var signers: AllowedSigners
        var signersToCommit: [UInt8]? = nil
        if committed.list != nil {
            let signers0 = try parseSigners(committedSigners, what: "committed in HEAD")
            if let known, known.commit == head, let list = known.list {
                previous = list  // verified at this commit by this run; the work tree is compared in step 2
            } else {
                let verifier = ListVerifier(trust: .allowedSigners(signers0), refusesExpired: false)
                let verified = try committed.verifyList(repo, verifier, now: now)!
                previous = verified.list
                listInWorkTree = verified.inWorkTree
            }
            if request.bootstrap { throw .alreadyBootstrapped(serial: previous?.list.serial ?? 0) }
            signers = signers0
        } else {
            guard request.bootstrap else { throw .noCommittedList }
            if committedSigners != nil {
                signers = try parseSigners(committedSigners, what: "committed in HEAD")
            } else if let local = try workFile(repo, ListRepositoryLayout.allowedSignersPath) {
                signers = try parseSigners(local, what: "in the work tree")
                signersToCommit = local
            } else {
                guard let identity = request.publisher else { throw .publisherMissing }
                guard Self.isPrincipal(identity) else {
                    throw .usage("--publisher '\(identity)' cannot be a signer identity in list/allowed_signers "
                        + "(use letters, digits and . _ @ + -), or write list/allowed_signers yourself")
                }
                signers = AllowedSigners(entries: [AllowedSigners.Entry(
                    principals: [identity], key: SSHPublicKey(signingKey.publicKey, comment: identity),
                    namespaces: ListRepositoryLayout.bootstrapNamespaces)])
                signersToCommit = Array(signers.text.utf8)
            }
        }
        let decision = signers.decision(for: signingKey.publicKey, namespace: ListVerifier.namespace, at: now)
        guard case .allowed = decision else {
            throw .signingKeyNotAllowed(fingerprint: SSHPublicKey(signingKey.publicKey).fingerprint, decision: decision)
        }
        if !signers.allows(signingKey.publicKey, namespace: "git", at: now) {
            warnings.append("the signing key is not allowed for namespace 'git' in list/allowed_signers: "
                + "`git verify-commit` will not accept the commit")
        }

        // The new list.
        let previousSerial = previous?.list.serial
        let serial = request.serial ?? (previousSerial ?? 0) + 1
        if let previousSerial, serial <= previousSerial {
            throw .serialNotGreater(requested: serial, committed: previousSerial)
        }
        guard let publisher = request.publisher ?? previous?.list.publisher else { throw .publisherMissing }
        guard request.validity > 0 else { throw .usage("the validity must be positive") }
        let list = PreloadList(
            serial: serial, generated: now, expires: now.adding(seconds: request.validity), publisher: publisher,
            aliases: request.entries == nil ? previous?.list.aliases ?? [:] : request.aliases,
            entries: request.entries ?? previous?.list.entries ?? [])
        let problems = ListValidator.validate(list)
        if problems.hasErrors { throw .listInvalid(problems) }
        // Side by side: a second thread renders the bytes and writes them as a blob (an object no reference
        // points to yet: harmless if the run dies or is refused later); this one diffs the lists for the
        // commit message, then signs the bytes as soon as they exist. Both are done before step 2, which
        // uses the repository again.
        let key = signingKey
        let previousList = previous?.list
        let renderer = BlobRenderer(list: list, repository: repo)
        let (message, summary) = CommitMessage.make(previous: previousList, next: list)
        let listBytes = renderer.bytes()
        crashPoints.reached(.afterRender)
        let signature: [UInt8]
        do {
            signature = Array(try SSHSignature.sign(listBytes, namespace: ListVerifier.namespace, with: key).armored.utf8)
        } catch {
            renderer.wait()
            throw .signing(error)
        }
        let listBlob = renderer.wait()
        crashPoints.reached(.afterSign)

        // 2. Repair what an interrupted run left.
        let repaired = try PublishRepair.run(repo, head: head, committed: committed, listInWorkTree: listInWorkTree)
        crashPoints.reached(.afterRepair)

        // 3. The commit object.
        var files = [ListRepositoryLayout.listPath: listBytes, ListRepositoryLayout.signaturePath: signature]
        if let signersToCommit { files[ListRepositoryLayout.allowedSignersPath] = signersToCommit }
        let author = request.author ?? configuredIdentity(repo)
        let commit: GitObjectID
        var blobs: [String: GitObjectID] = [:]
        do {
            blobs[ListRepositoryLayout.listPath] = try listBlob.get()
            for (path, bytes) in files where path != ListRepositoryLayout.listPath { blobs[path] = try repo.writeBlob(bytes) }
            let tree = try repo.writeTree(basedOn: head, replacingWithBlobs: blobs)
            commit = try repo.createSignedCommit(
                tree: tree, parent: head, author: author, committer: author, time: now, message: message,
                sign: { try SSHSignature.sign($0, namespace: "git", with: key).armored })
        } catch let error as GitError {
            throw .git(error)
        } catch let error as SigningError {
            throw .signing(error)
        } catch {
            throw .io("\(error)")
        }
        crashPoints.reached(.afterCommitObject)

        // 4. The atomic switch.
        do {
            try repo.updateReference(branch, to: commit, expecting: head,
                                     logMessage: "preload publish: list serial \(serial)")
        } catch {
            if error.isConcurrentModification { throw .concurrentUpdate(branch: branch) }
            throw .git(error)
        }
        crashPoints.reached(.afterRefUpdate)

        // 5. The work tree and index follow.
        do {
            try AtomicFile.write(listBytes, to: repo.workTreePath(ListRepositoryLayout.listPath),
                                 beforeRename: { crashPoints.reached(.listTemporaryWritten) })
            crashPoints.reached(.afterWriteList)
            try AtomicFile.write(signature, to: repo.workTreePath(ListRepositoryLayout.signaturePath))
            crashPoints.reached(.afterWriteSignature)
            if let signersToCommit {
                try AtomicFile.write(signersToCommit, to: repo.workTreePath(ListRepositoryLayout.allowedSignersPath))
                crashPoints.reached(.afterWriteAllowedSigners)
            }
            // The files hold exactly the committed blobs: record them without reading them back.
            try repo.recordCheckedOut(blobs.sorted { $0.key < $1.key }.map { (path: $0.key, blob: $0.value) })
            crashPoints.reached(.afterIndexUpdate)
        } catch {
            throw .workTreeNotUpdated(commit: commit.hex, cause: "\(error)")
        }

        return PublishResult(
            commit: commit.hex, previousCommit: head?.hex, branch: branch, serial: serial, previousSerial: previousSerial,
            generated: list.generated, expires: list.expires, domains: list.entries.count, summary: summary,
            repaired: repaired, wroteAllowedSigners: signersToCommit != nil, warnings: warnings)
    }

    /// Only repairs the work tree from HEAD (after a crash); returns the paths rewritten or re-staged.
    public func repair() throws(PublishError) -> [String] {
        let repo = try open()
        let lock = try PublishError.lock(gitDirectory: repo.gitDirectory)
        defer { withExtendedLifetime(lock) {} }
        let (_, head) = try branchAndHead(repo)
        return try PublishRepair.run(repo, head: head, committed: PublishRepair.committedFiles(repo, head: head))
    }

    // MARK: - Helpers

    func open() throws(PublishError) -> GitRepository {
        let repo: GitRepository
        do {
            repo = try GitRepository.discover(from: repositoryPath)
        } catch {
            throw .git(error)
        }
        guard repo.workTree != nil else { throw .bareRepository(repo.gitDirectory) }
        return repo
    }

    func branchAndHead(_ repo: GitRepository) throws(PublishError) -> (String, GitObjectID?) {
        let head: GitRepository.Head
        do {
            head = try repo.head()
        } catch {
            throw .git(error)
        }
        guard case .branch(let name, let commit) = head else { throw .detachedHead }
        return (name, commit)
    }

    private func workFile(_ repo: GitRepository, _ path: String) throws(PublishError) -> [UInt8]? {
        do {
            return try AtomicFile.read(repo.workTreePath(path))
        } catch {
            throw PublishError(error)
        }
    }

    func parseSigners(_ bytes: [UInt8]?, what: String) throws(PublishError) -> AllowedSigners {
        guard let bytes else { throw .allowedSignersUnusable("missing (\(what))") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .allowedSignersUnusable("not UTF-8 (\(what))")
        }
        do {
            return try AllowedSigners(parsing: text)
        } catch {
            throw .allowedSignersUnusable("\(error) (\(what))")
        }
    }

    private func configuredIdentity(_ repo: GitRepository) -> GitIdentity {
        let name = (try? repo.configString("user.name")).flatMap { $0 }
        let email = (try? repo.configString("user.email")).flatMap { $0 }
        return GitIdentity(name: name ?? "preload", email: email ?? "preload@localhost")
    }

    /// Whether `text` can stand as one principal in an allowed-signers file.
    static func isPrincipal(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x2E || c == 0x5F || c == 0x40 || c == 0x2B || c == 0x2D
        }
    }
}

extension ListPublisher {
    /// Reads the entries of a v1 list file for ``PublishRequest`` (`--entries`): entries, aliases and
    /// publisher; its serial and dates are ignored. The file's signature is not checked.
    public static func entries(fromListFile bytes: [UInt8]) throws(PublishError)
        -> (entries: [ListEntry], aliases: [String: AliasPolicy], publisher: String)
    {
        let decoded = ListCodec.decode(bytes)
        guard let list = decoded.list else { throw .listInvalid(decoded.issues) }
        return (list.entries, list.aliases, list.publisher)
    }
}

/// Renders a list and writes it as a blob on a thread of its own, so that the caller can diff and sign
/// meanwhile: ``bytes()`` as soon as they are rendered, ``wait()`` for the blob. The repository is used by
/// that thread alone until ``wait()`` returns.
private final class BlobRenderer: @unchecked Sendable {  // fields written before the semaphores are signalled
    private var rendered: [UInt8] = []
    private var blob: Result<GitObjectID, GitError> = .failure(GitError(operation: "writeBlob", code: -1, message: "not written"))
    private let renderedSignal = DispatchSemaphore(value: 0)
    private let doneSignal = DispatchSemaphore(value: 0)
    private var waited = false

    init(list: PreloadList, repository: GitRepository) {
        let repository = UncheckedRepository(repository)
        let thread = Thread { [self] in
            rendered = ListCodec.encode(list)
            renderedSignal.signal()
            blob = Result { () throws(GitError) in try repository.value.writeBlob(rendered) }
            doneSignal.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The rendered bytes (waits for them).
    func bytes() -> [UInt8] {
        renderedSignal.wait()
        renderedSignal.signal()
        return rendered
    }

    /// The blob id, once written (waits for it).
    @discardableResult
    func wait() -> Result<GitObjectID, GitError> {
        if !waited {
            doneSignal.wait()
            waited = true
        }
        return blob
    }
}

/// A repository lent to one other thread while its owner waits (``BlobRenderer``).
private struct UncheckedRepository: @unchecked Sendable {
    let value: GitRepository
    init(_ value: GitRepository) { self.value = value }
}
