import PreloadCore
import PreloadGit
import PreloadSigning

extension ListPublisher {
    /// The list committed at HEAD, verified against the committed `list/allowed_signers` (its expiry is
    /// not checked); `nil` when HEAD has no list (or the branch is unborn). Blocking: see the type's notes.
    public func committedList(now: Timestamp) throws(PublishError) -> VerifiedList? {
        let repo = try open()
        let (_, head) = try branchAndHead(repo)
        let committed = try PublishRepair.committedFiles(repo, head: head)
        guard committed.list != nil else { return nil }
        let signers = try parseSigners(committed.allowedSigners, what: "committed in HEAD")
        return try committed.verifyList(repo, ListVerifier(trust: .allowedSigners(signers), refusesExpired: false), now: now)?.list
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
    /// may have left the work tree behind HEAD; it is repaired first, so that a run which then decides
    /// not to publish still leaves the repository consistent.
    public func committedList() async throws -> PreloadList? {
        let publisher = self.publisher
        let now = clock.now()
        return try await GitThread.run {
            _ = try publisher.repair()
            return try publisher.committedList(now: now)?.list
        }
    }

    /// Signs and commits a list of `entries` generated at `now`.
    public func publish(entries: [ListEntry], now: Timestamp) async throws -> PublishedListInfo {
        var bootstrap = false
        if bootstrapWhenEmpty { bootstrap = try await committedList() == nil }
        let request = PublishRequest(entries: entries, now: now, validity: validity, publisher: publisherName,
                                     bootstrap: bootstrap, author: author)
        let result = try await publisher.publishInBackground(request)
        return PublishedListInfo(serial: result.serial, generated: result.generated, expires: result.expires,
                                 domains: result.domains, commit: result.commit)
    }
}
