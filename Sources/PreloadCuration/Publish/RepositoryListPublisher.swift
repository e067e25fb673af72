import Foundation
import PreloadCore
import PreloadGit
import PreloadSigning

/// The committed list as a publishing run verified it, and the commit it was read at: what ``ListPublisher``
/// publishes over without verifying it again while HEAD is still that commit.
public struct VerifiedHead: Sendable {
    /// The branch's commit when the list was verified; `nil` for an unborn branch.
    public var commit: GitObjectID?
    /// The committed list, verified against the committed `list/allowed_signers`; `nil` when HEAD has none.
    public var list: VerifiedList?
}

extension ListPublisher {
    /// The list committed at HEAD, verified against the committed `list/allowed_signers` (its expiry is
    /// not checked); `nil` when HEAD has no list (or the branch is unborn). Blocking: see the type's notes.
    public func committedList(now: Timestamp) throws(PublishError) -> VerifiedList? {
        try verifiedHead(now: now, repairing: false).list
    }

    /// The committed list, verified (as ``committedList(now:)``), with the commit it was read at. With
    /// `repairing`, the work tree is then put right after an interrupted run (under the publish lock), using
    /// what the verification found out about the work tree's copy; it is repaired also when the committed
    /// list does not verify, before that is thrown. Blocking: see the type's notes.
    public func verifiedHead(now: Timestamp, repairing: Bool) throws(PublishError) -> VerifiedHead {
        let repo = try open()
        let lock = repairing ? try PublishError.lock(gitDirectory: repo.gitDirectory) : nil
        defer { withExtendedLifetime(lock) {} }
        let (_, head) = try branchAndHead(repo)
        let committed = try PublishRepair.committedFiles(repo, head: head)
        var verified: (list: VerifiedList, inWorkTree: Bool)?
        do throws(PublishError) {
            if committed.list != nil {
                let signers = try parseSigners(committed.allowedSigners, what: "committed in HEAD")
                verified = try committed.verifyList(repo, ListVerifier(trust: .allowedSigners(signers), refusesExpired: false),
                                                    now: now)
            }
        } catch {
            if repairing { _ = try PublishRepair.run(repo, head: head, committed: committed) }
            throw error
        }
        if repairing { _ = try PublishRepair.run(repo, head: head, committed: committed, listInWorkTree: verified?.inWorkTree) }
        return VerifiedHead(commit: head, list: verified?.list)
    }
}

/// The committed list a run verified, kept between ``RepositoryListPublisher/committedList()`` and
/// ``RepositoryListPublisher/publish(entries:now:)``.
private final class VerifiedHeadMemo: @unchecked Sendable {  // `value` is guarded by `lock`
    private let lock = NSLock()
    private var value: VerifiedHead?
    var head: VerifiedHead? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// `validate-all`'s way to publish (``ListPublishing``): the committed list comes from the list repository
/// (verified), and new lists are signed and committed by ``ListPublisher`` on the git thread.
public struct RepositoryListPublisher: ListPublishing {
    /// The publisher (repository, key, fault injection).
    public var publisher: ListPublisher
    /// Validity of each new list, in seconds.
    public var validity: Int64
    /// Publisher name; `nil` keeps the committed list's (required for the first list).
    public var publisherName: String?
    /// Whether the first list may be published into a repository whose HEAD has none (`--bootstrap`).
    public var bootstrapWhenEmpty: Bool
    /// Commit author; `nil` takes the git configuration's.
    public var author: GitIdentity?
    /// The clock for checking the committed signer's validity window.
    public var clock: any TimeSource
    /// What ``committedList()`` verified, for ``publish(entries:now:)``: a run verifies the committed list once.
    private let verified = VerifiedHeadMemo()

    /// An adapter; see the properties.
    public init(publisher: ListPublisher, clock: any TimeSource, validity: Int64 = 14 * 86400, publisherName: String? = nil,
                bootstrapWhenEmpty: Bool = false, author: GitIdentity? = nil) {
        self.publisher = publisher
        self.clock = clock
        self.validity = validity
        self.publisherName = publisherName
        self.bootstrapWhenEmpty = bootstrapWhenEmpty
        self.author = author
    }

    /// The verified committed list, or `nil` when there is none yet. A publish killed after its commit
    /// may have left the work tree behind HEAD; it is repaired too, so that a run which then decides
    /// not to publish still leaves the repository consistent. What was verified is kept for
    /// ``publish(entries:now:)``, which does not verify the same commit again.
    public func committedList() async throws -> PreloadList? {
        let publisher = self.publisher
        let now = clock.now()
        let head = try await GitThread.run { try publisher.verifiedHead(now: now, repairing: true) }
        verified.head = head
        return head.list?.list
    }

    /// The commit ``committedList()`` read the list at.
    public func committedListCommit() async -> String? { verified.head?.commit?.hex }

    /// Signs and commits a list of `entries` generated at `now`, over the committed list that
    /// ``committedList()`` verified (verified again only if HEAD has moved since, or nothing was verified).
    public func publish(entries: [ListEntry], now: Timestamp) async throws -> PublishedListInfo {
        var bootstrap = false
        if bootstrapWhenEmpty {
            if verified.head == nil { _ = try await committedList() }
            bootstrap = verified.head?.list == nil
        }
        let request = PublishRequest(entries: entries, now: now, validity: validity, publisher: publisherName,
                                     bootstrap: bootstrap, author: author)
        let known = verified.head
        verified.head = nil  // HEAD moves with this publish (or may have moved if it fails): check it afresh next time
        let result = try await publisher.publishInBackground(request, over: known)
        return PublishedListInfo(serial: result.serial, generated: result.generated, expires: result.expires,
                                 domains: result.domains, commit: result.commit)
    }
}
