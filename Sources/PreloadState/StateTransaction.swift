import GRDB
import PreloadCore

/// Typed access to the state inside one transaction. Valid only inside the closure given to
/// ``StateStore/read(_:)`` or ``StateStore/write(_:)``.
public struct StateTransaction {
    let db: Database

    init(_ db: Database) { self.db = db }

    // MARK: Rows

    /// Inserts a row, returning it with its new id.
    @discardableResult
    public func insert<Row: StateRow>(_ row: Row) throws -> Row {
        var row = row
        try row.insert(db)
        return row
    }

    /// Updates a stored row (found by its id).
    public func update<Row: StateRow>(_ row: Row) throws { try row.update(db) }

    // MARK: Domains

    /// The domain's row.
    public func domain(_ name: String) throws -> DomainRow? { try DomainRow.fetchOne(db, key: name) }

    /// Domains whose state is one of `states` (all domains when `nil`), by name.
    public func domains(inStates states: [String]? = nil) throws -> [DomainRow] {
        var request = DomainRow.order(Column("name"))
        if let states { request = request.filter(states.contains(Column("state"))) }
        return try request.fetchAll(db)
    }

    /// How many domains are in each state.
    public func domainCounts() throws -> [String: Int] {
        let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM domain GROUP BY state")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["state"] as String, $0["n"] as Int) })
    }

    /// Inserts or replaces the domain's row.
    public func save(_ row: DomainRow) throws {
        try row.upsert(db)
    }

    // MARK: Challenges and attempts

    /// The newest open challenge of `purpose` for the domain.
    public func openChallenge(domain: String, purpose: String) throws -> ChallengeRow? {
        try ChallengeRow.filter(Column("domain") == domain && Column("purpose") == purpose && Column("status") == "open")
            .order(Column("id").desc).fetchOne(db)
    }

    /// Inserts a challenge, superseding the domain's other open challenges of the same purpose.
    @discardableResult
    public func insert(_ challenge: ChallengeRow) throws -> ChallengeRow {
        try db.execute(sql: "UPDATE challenge SET status = 'superseded' WHERE domain = ? AND purpose = ? AND status = 'open'",
                       arguments: [challenge.domain, challenge.purpose])
        var row = challenge
        try row.insert(db)  // not the generic insert: this one supersedes
        return row
    }

    /// Open challenges whose expiry is at or before `now` (of `domain` only, when given), oldest first.
    public func openChallenges(expiredAt now: Timestamp, domain: String? = nil) throws -> [ChallengeRow] {
        var request = ChallengeRow.filter(Column("status") == "open" && Column("expires") <= now.rfc3339)
        if let domain { request = request.filter(Column("domain") == domain) }
        return try request.order(Column("id")).fetchAll(db)
    }

    /// Records one attempt of `kind` for the domain.
    public func recordAttempt(domain: String, kind: String, time: Timestamp) throws {
        try insert(AttemptRow(id: nil, domain: domain, kind: kind, time: time))
    }

    /// Attempts of `kind` for the domain at or after `since`.
    public func attempts(domain: String, kind: String, since: Timestamp) throws -> Int {
        try AttemptRow.filter(Column("domain") == domain && Column("kind") == kind && Column("time") >= since.rfc3339)
            .fetchCount(db)
    }

    /// Submit challenges created at or after `since` (new submissions).
    public func submissionsCreated(since: Timestamp) throws -> Int {
        try ChallengeRow.filter(Column("purpose") == "submit" && Column("created") >= since.rfc3339).fetchCount(db)
    }

    // MARK: Validations

    /// The domain's newest validations, newest first.
    public func validations(domain: String, limit: Int) throws -> [ValidationRow] {
        try ValidationRow.filter(Column("domain") == domain).order(Column("time").desc, Column("id").desc)
            .limit(limit).fetchAll(db)
    }

    // MARK: Audit log

    /// Audit events, oldest first, optionally for one domain and only the newest `limit`.
    public func events(domain: String? = nil, limit: Int? = nil) throws -> [AuditEventRow] {
        var request = AuditEventRow.order(Column("id").desc)
        if let domain { request = request.filter(Column("domain") == domain) }
        if let limit { request = request.limit(limit) }
        return try request.fetchAll(db).reversed()
    }

    // MARK: Notifications

    /// Notifications in `status`, oldest first.
    public func notifications(status: String) throws -> [NotificationRow] {
        try NotificationRow.filter(Column("status") == status).order(Column("id")).fetchAll(db)
    }

    /// All notifications for a domain, oldest first.
    public func notifications(domain: String) throws -> [NotificationRow] {
        try NotificationRow.filter(Column("domain") == domain).order(Column("id")).fetchAll(db)
    }

    // MARK: Runs

    /// Runs still marked `running`.
    public func unfinishedRuns() throws -> [RunRow] {
        try RunRow.filter(Column("status") == "running").order(Column("id")).fetchAll(db)
    }

    /// The newest run that completed.
    public func lastCompletedRun() throws -> RunRow? {
        try RunRow.filter(Column("status") == "completed").order(Column("id").desc).fetchOne(db)
    }

    /// The run with this id.
    public func run(_ id: Int64) throws -> RunRow? { try RunRow.fetchOne(db, key: id) }

    /// Starts a run with the domains it must validate.
    public func startRun(_ run: RunRow, domains: [String]) throws -> RunRow {
        let row = try insert(run)
        for domain in domains { try RunItemRow(runId: row.id!, domain: domain, done: false).insert(db) }
        return row
    }

    /// The run's domains not validated yet, by name.
    public func pendingItems(run: Int64) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT domain FROM run_item WHERE runId = ? AND done = 0 ORDER BY domain",
                            arguments: [run])
    }

    /// How many domains the run has, and how many are done.
    public func itemCounts(run: Int64) throws -> (total: Int, done: Int) {
        let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(done), 0) AS d FROM run_item WHERE runId = ?",
                                   arguments: [run])
        return (row?["n"] ?? 0, row?["d"] ?? 0)
    }

    /// Marks one of the run's domains as validated.
    public func markDone(run: Int64, domain: String) throws {
        try db.execute(sql: "UPDATE run_item SET done = 1 WHERE runId = ? AND domain = ?", arguments: [run, domain])
    }

    // MARK: Publications

    /// The newest publication.
    public func lastPublication() throws -> PublicationRow? {
        try PublicationRow.order(Column("id").desc).fetchOne(db)
    }
}
