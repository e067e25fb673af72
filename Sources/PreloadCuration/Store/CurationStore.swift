import PreloadCore

/// The curation state as the services see it: transactions over typed records and rows. The SQLite store
/// (`SQLiteStateStore` in `PreloadState`) is one implementation; another backend implements the same three
/// protocols and the services do not change.
///
/// A transaction body is synchronous: it never awaits, so no transaction is held open across the network
/// (the services check, look up and send outside transactions and re-read inside them). A backend runs
/// the body where blocking is allowed: the SQLite store on its database's serial queues, a networked
/// database on a thread of its own pool, blocking on its connection there; never on Swift's cooperative
/// pool.
public protocol CurationStore: Sendable {
    /// Runs `body` in a read-only transaction (a consistent snapshot).
    func read<T: Sendable>(_ body: @Sendable @escaping (any StateReader) throws -> T) async throws -> T

    /// Runs `body` in one write transaction: everything it does is committed together, or nothing is
    /// (when it throws).
    @discardableResult
    func write<T: Sendable>(_ body: @Sendable @escaping (any StateWriter) throws -> T) async throws -> T

    /// Runs `body` in one write transaction that reads and changes only what belongs to `domains` — their
    /// records, their run items — and otherwise only appends rows (validations, audit events,
    /// notifications) or claims run items (``StateWriter/claimItems(run:vantage:holder:limit:now:until:)``, which a
    /// store serialises among themselves).
    /// A store may run such transactions at once when their domains differ (each domain's are serialised);
    /// every ``write(_:)`` excludes them all. `validate-all` records its results this way, so that cooperating
    /// workers on a shared state do not queue behind one another's results.
    @discardableResult
    func write<T: Sendable>(confinedTo domains: [DomainName],
                            _ body: @Sendable @escaping (any StateWriter) throws -> T) async throws -> T

    /// Takes the lock that lets one `validate-all` run at a time, without waiting; it is held until the
    /// returned lease is released. Throws ``CurationError/busy(_:)`` when another run holds it. Stores
    /// whose rounds are shared (``sharesRounds``) are not locked this way.
    func takeRunLock(holder: String) async throws -> any RunLease

    /// Whether several `validate-all` workers share one round on this state (they claim its domains with
    /// leases, and one of them completes it under ``takeCompletionLock()``), rather than one run holding the
    /// run lock.
    var sharesRounds: Bool { get }

    /// Takes the lock under which one worker completes a shared round (publishes, delivers notifications),
    /// without waiting: `nil` when another worker holds it. It dies with its holder.
    func takeCompletionLock() async throws -> (any RunLease)?

    /// A number that changes whenever anything commits to the state, this process or another: two calls
    /// that return the same number saw no commit in between. Cheap enough to poll several times a second
    /// (the service's status cache does).
    func commitCounter() async throws -> Int64
}

extension CurationStore {
    /// A store that serialises every write runs confined ones as any other.
    @discardableResult
    public func write<T: Sendable>(confinedTo domains: [DomainName],
                                   _ body: @Sendable @escaping (any StateWriter) throws -> T) async throws -> T {
        try await write(body)
    }
}

/// The run lock, held while the value lives.
public protocol RunLease: AnyObject, Sendable {}

/// What a transaction reads. Every value is typed: a stored code or domain name this code cannot read is
/// a ``CorruptStateError``, never a guess or a skipped row. A read that selects rows by a code (state,
/// status, purpose, kind) fails the same way when a row it considers holds a code this code does not know,
/// rather than leaving that row out.
public protocol StateReader {
    /// The domain's lifecycle record.
    func record(_ domain: DomainName) throws -> DomainRecord?
    /// The records whose state is one of `states` (all when `nil`), by name.
    func records(inStates states: Set<LifecycleState>?) throws -> [DomainRecord]
    /// The records of the named domains that have one, by name.
    func records(named domains: [DomainName]) throws -> [DomainRecord]
    /// How many domains are in each state.
    func domainCounts() throws -> [LifecycleState: Int]

    /// The newest open challenge of `purpose` for the domain.
    func openChallenge(domain: DomainName, purpose: Challenge.Purpose) throws -> ChallengeRow?
    /// Open challenges whose expiry is at or before `now` (of `domain` only, when given), oldest first.
    func openChallenges(expiredAt now: Timestamp, domain: DomainName?) throws -> [ChallengeRow]
    /// Submit challenges created at or after `since` (new submissions).
    func submissionsCreated(since: Timestamp) throws -> Int
    /// Attempts of `kind` for the domain at or after `since`.
    func attempts(domain: DomainName, kind: AttemptKind, since: Timestamp) throws -> Int

    /// The domain's newest validations, newest first.
    func validations(domain: DomainName, limit: Int) throws -> [ValidationRow]
    /// Audit events, oldest first, optionally for one domain and only the newest `limit`.
    func events(domain: DomainName?, limit: Int?) throws -> [AuditEventRow]
    /// At most `limit` audit events with an id above `after`, by id (optionally of one domain): one page
    /// of the log, read by its key.
    func events(domain: DomainName?, after: Int64, limit: Int) throws -> [AuditEventRow]
    /// Notifications in `status`, oldest first.
    func notifications(status: NotificationStatus) throws -> [NotificationRow]
    /// All notifications for a domain, oldest first.
    func notifications(domain: DomainName) throws -> [NotificationRow]

    /// Runs still marked running, oldest first.
    func unfinishedRuns() throws -> [RunRow]
    /// The newest run that completed.
    func lastCompletedRun() throws -> RunRow?
    /// The run with this id.
    func run(_ id: Int64) throws -> RunRow?
    /// The run's domains not validated yet, by name.
    func pendingItems(run: Int64) throws -> [DomainName]
    /// How many domains the run has, and how many are done.
    func itemCounts(run: Int64) throws -> (total: Int, done: Int)
    /// Whether the run's domain is done; `nil` when the run has no such domain.
    func isDone(run: Int64, domain: DomainName) throws -> Bool?
    /// The run's validations of the domain, oldest first (one per vantage that reported).
    func validations(run: Int64, domain: DomainName) throws -> [ValidationRow]
    /// How many of the run's domains are not done and still lack a result from `vantage`.
    func itemsAwaiting(run: Int64, vantage: String) throws -> Int

    /// The newest publication.
    func lastPublication() throws -> PublicationRow?

    /// The contact row of an address (``ContactAddress/value``).
    func contact(_ address: String) throws -> ContactRow?
    /// The contact whose open confirmation code hashes to `tokenHash`.
    func contact(tokenHash: String) throws -> ContactRow?
    /// Confirmation mails sent at or after `since` to `address`.
    func confirmationMails(address: String, since: Timestamp) throws -> Int
    /// Confirmation mails sent at or after `since` to any address at `domain` (the part after the `@`).
    func confirmationMails(addressDomain: String, since: Timestamp) throws -> Int

    /// Every row of a table with ids (`preload state migrate`).
    func allRows<R: StateRow>(_ type: R.Type) throws -> [R]
    /// Every row of a keyed table.
    func allKeyedRows<R: KeyedStateRow>(_ type: R.Type) throws -> [R]
}

/// What a write transaction does, besides reading.
public protocol StateWriter: StateReader {
    /// Inserts or replaces the domain's record.
    func save(_ record: DomainRecord) throws
    /// Inserts a challenge, superseding the domain's other open challenges of the same purpose.
    @discardableResult func insert(_ challenge: ChallengeRow) throws -> ChallengeRow
    /// Updates a stored challenge (found by its id).
    func update(_ challenge: ChallengeRow) throws
    /// Records one attempt of `kind` for the domain.
    func recordAttempt(domain: DomainName, kind: AttemptKind, time: Timestamp) throws
    /// Inserts a validation result.
    @discardableResult func insert(_ validation: ValidationRow) throws -> ValidationRow
    /// Inserts an audit line.
    @discardableResult func insert(_ event: AuditEventRow) throws -> AuditEventRow
    /// Queues a notification.
    @discardableResult func insert(_ notification: NotificationRow) throws -> NotificationRow
    /// Updates a stored notification (found by its id).
    func update(_ notification: NotificationRow) throws
    /// Starts a run with the domains it must validate, in the order claims take them (``RoundOrder``).
    func startRun(_ run: RunRow, domains: [DomainName]) throws -> RunRow
    /// Updates a stored run (found by its id).
    func update(_ run: RunRow) throws
    /// Marks one of the run's domains as validated, and drops its claims (which only in-flight domains keep).
    func markDone(run: Int64, domain: DomainName) throws
    /// Marks one of the run's domains as validated unless it is already, dropping its claims; whether this
    /// call marked it.
    func finishItem(run: Int64, domain: DomainName) throws -> Bool
    /// Claims for `vantage`, held by `holder` until `until`, at most `limit` of the run's domains that are
    /// not done, have no result from `vantage` yet, and are not claimed for `vantage` (or whose claim ran
    /// out at or before `now`), by name; returns them.
    func claimItems(run: Int64, vantage: String, holder: String, limit: Int, now: Timestamp, until: Timestamp) throws
        -> [DomainName]
    /// Drops every claim on the run (its workers are known to be gone).
    func releaseLeases(run: Int64) throws
    /// Records a published list.
    @discardableResult func insert(_ publication: PublicationRow) throws -> PublicationRow
    /// Inserts (no id) or updates (found by its id) a contact.
    @discardableResult func save(_ contact: ContactRow) throws -> ContactRow
    /// Records one confirmation mail to `address` (for the rate limits).
    func recordConfirmationMail(address: String, addressDomain: String, time: Timestamp) throws

    /// Deletes every row of every table (the schema stays).
    func removeEverything() throws
    /// Inserts a row as it is, its id included (restoring a snapshot into empty tables).
    func insertExactly<R: StateRow>(_ row: R) throws
    /// Inserts a keyed row as it is.
    func insertExactly<R: KeyedStateRow>(_ row: R) throws
    /// Inserts a domain's record as it is.
    func insertExactly(_ record: DomainRecord) throws
    /// After rows were inserted with their ids: new rows get ids after the highest.
    func continueIds() throws
}

extension StateReader {
    /// Every row of every table, in key order (`preload state migrate`).
    public func snapshot() throws -> StateSnapshot {
        var s = StateSnapshot()
        s.domains = try records(inStates: nil)
        s.challenges = try allRows(ChallengeRow.self)
        s.attempts = try allRows(AttemptRow.self)
        s.validations = try allRows(ValidationRow.self)
        s.events = try allRows(AuditEventRow.self)
        s.notifications = try allRows(NotificationRow.self)
        s.runs = try allRows(RunRow.self)
        s.runItems = try allKeyedRows(RunItemRow.self)
        s.runClaims = try allKeyedRows(RunClaimRow.self)
        s.publications = try allRows(PublicationRow.self)
        s.contacts = try allRows(ContactRow.self)
        s.contactMails = try allRows(ContactMailRow.self)
        s.sort()
        return s
    }
}

extension StateWriter {
    /// Inserts every row of `snapshot` as it is, ids included, into empty tables, parents before the rows
    /// that reference them; id sequences continue after the highest id copied.
    public func restore(_ s: StateSnapshot) throws {
        for r in s.domains { try insertExactly(r) }
        for r in s.challenges { try insertExactly(r) }
        for r in s.attempts { try insertExactly(r) }
        for r in s.validations { try insertExactly(r) }
        for r in s.events { try insertExactly(r) }
        for r in s.notifications { try insertExactly(r) }
        for r in s.runs { try insertExactly(r) }
        for r in s.runItems { try insertExactly(r) }
        for r in s.runClaims { try insertExactly(r) }
        for r in s.publications { try insertExactly(r) }
        for r in s.contacts { try insertExactly(r) }
        for r in s.contactMails { try insertExactly(r) }
        try continueIds()
    }
}

extension StateReader {
    /// Every record, by name.
    public func records() throws -> [DomainRecord] { try records(inStates: nil) }
    /// Every open challenge whose expiry is at or before `now`, oldest first.
    public func openChallenges(expiredAt now: Timestamp) throws -> [ChallengeRow] {
        try openChallenges(expiredAt: now, domain: nil)
    }
    /// Audit events, oldest first (of `domain` only, when given).
    public func events(domain: DomainName? = nil) throws -> [AuditEventRow] { try events(domain: domain, limit: nil) }

    /// Refuses a `kind` attempt on the domain when `limit` of them were counted in the 24 hours before `now`
    /// (``CurationError/rateLimited(_:retryAfter:)``, to retry a day later); `what` words the count.
    func checkDailyLimit(domain: DomainName, kind: AttemptKind, now: Timestamp, limit: Int, _ what: (Int) -> String)
        throws
    {
        let recent = try attempts(domain: domain, kind: kind, since: now.adding(days: -1))
        guard recent < limit else { throw CurationError.rateLimited(what(recent), retryAfter: now.adding(days: 1)) }
    }
}

/// A stored value this code cannot read: an unknown state, status, phase, kind or reason code, or a name
/// that is not a domain name. Reported (the command fails, exit 70), never guessed or skipped.
public struct CorruptStateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The table.
    public var table: String
    /// The column.
    public var column: String
    /// The stored value, as text.
    public var value: String
    /// Why it cannot be read.
    public var why: String

    /// Creates a value; see the properties.
    public init(table: String, column: String, value: String, why: String) {
        self.table = table
        self.column = column
        self.value = value
        self.why = why
    }

    /// The error for a row of `table` that did not decode: the column `error` names, its stored value as
    /// `stored` gives it, and why.
    public init(table: String, decoding error: DecodingError, stored: (String) -> String) {
        let (path, why): ([any CodingKey], String)
        switch error {
        case .dataCorrupted(let c): (path, why) = (c.codingPath, c.debugDescription)
        case .typeMismatch(_, let c): (path, why) = (c.codingPath, c.debugDescription)
        case .valueNotFound(_, let c): (path, why) = (c.codingPath, c.debugDescription)
        case .keyNotFound(let key, let c): (path, why) = (c.codingPath + [key], c.debugDescription)
        @unknown default: (path, why) = ([], "\(error)")
        }
        let column = path.first?.stringValue ?? "?"
        self.init(table: table, column: column, value: stored(column), why: why)
    }

    public var description: String {
        "the state database holds a value this preload cannot read in \(table).\(column): '\(value)' (\(why)); nothing was changed"
    }
}
