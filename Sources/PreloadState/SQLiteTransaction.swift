import GRDB
import PreloadCore
import PreloadCuration

/// A row of one of the curation's tables as GRDB stores it: the row's own `Codable` mapping, its
/// coding keys being the table's columns. A wrapper, so that the curation's types need not know GRDB.
struct Stored<Value: StateRow>: FetchableRecord, MutablePersistableRecord, Codable {
    static var databaseTableName: String { Value.tableName }
    var value: Value
    init(_ value: Value) { self.value = value }
    init(from decoder: any Decoder) throws { value = try Value(from: decoder) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    mutating func didInsert(_ inserted: InsertionSuccess) { value.id = inserted.rowID }
}

/// A domain's record as GRDB stores it (table `domain`, keyed by `name`).
struct StoredDomain: FetchableRecord, PersistableRecord, Codable {
    static let databaseTableName = "domain"
    var value: DomainRecord
    init(_ value: DomainRecord) { self.value = value }
    init(from decoder: any Decoder) throws { value = try DomainRecord(from: decoder) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// One transaction on the SQLite state: the ``StateWriter`` given to the bodies of
/// ``SQLiteStateStore/read(_:)`` and ``SQLiteStateStore/write(_:)``, valid only inside them.
///
/// Every read decodes typed values: a stored code no enum has, or a name that is not a domain name, is
/// reported as a ``CorruptStateError`` naming the table, the column and the value.
struct SQLiteTransaction: StateWriter {
    let db: Database

    init(_ db: Database) { self.db = db }

    // MARK: Decoding

    /// Decodes fetched rows of `table` with `make`, turning a value that does not decode (an unknown code,
    /// an invalid domain name) into a ``CorruptStateError`` naming the table, the column and the value.
    private func decode<T>(_ table: String, _ rows: [Row], _ make: (Row) throws -> T) throws -> [T] {
        try rows.map { row in
            do {
                return try make(row)
            } catch let error as DecodingError {
                throw CorruptStateError(table: table, decoding: error) { column in
                    let stored: DatabaseValue = row[column] ?? .null
                    return String.fromDatabaseValue(stored) ?? stored.description
                }
            }
        }
    }

    /// Rows filtered on a stored code are only as good as the codes: a code no case of `Code` has (in the
    /// rows `scope` selects) is a ``CorruptStateError``, so that a filter never skips a row silently.
    private func requireKnown<Code: RawRepresentable & CaseIterable>(_: Code.Type, _ table: String, _ column: String,
                                                                   scope: String = "1", _ arguments: [String] = [])
    throws where Code.RawValue == String {
        let known = Code.allCases.map(\.rawValue)
        let marks = Array(repeating: "?", count: known.count).joined(separator: ", ")
        let sql = "SELECT \(column) FROM \(table) WHERE \(scope) AND \(column) NOT IN (\(marks)) LIMIT 1"
        if let code = try String.fetchOne(db, sql: sql, arguments: StatementArguments(arguments + known)) {
            throw CorruptStateError(table: table, column: column, value: code, why: "not a known \(Code.self) code")
        }
    }

    /// A domain name read from `table.column`.
    private func name(_ raw: String, _ table: String, _ column: String) throws -> DomainName {
        do { return try DomainName(raw) } catch {
            throw CorruptStateError(table: table, column: column, value: raw, why: "not a valid domain name: \(error)")
        }
    }

    private func rows<R: StateRow>(_ request: QueryInterfaceRequest<Stored<R>>) throws -> [R] {
        try decode(R.tableName, try request.asRequest(of: Row.self).fetchAll(db)) { try Stored<R>(row: $0).value }
    }

    private func row<R: StateRow>(_ request: QueryInterfaceRequest<Stored<R>>) throws -> R? {
        try rows(request.limit(1)).first
    }

    private func domainRecords(_ request: QueryInterfaceRequest<StoredDomain>) throws -> [DomainRecord] {
        try decode(StoredDomain.databaseTableName, try request.asRequest(of: Row.self).fetchAll(db)) {
            try StoredDomain(row: $0).value
        }
    }

    @discardableResult
    private func insertRow<R: StateRow>(_ row: R) throws -> R {
        var stored = Stored(row)
        try stored.insert(db)
        return stored.value
    }

    private func updateRow<R: StateRow>(_ row: R) throws { try Stored(row).update(db) }

    // MARK: Domains

    func record(_ domain: DomainName) throws -> DomainRecord? {
        try domainRecords(StoredDomain.filter(Column("name") == domain.value)).first
    }

    func records(inStates states: Set<LifecycleState>?) throws -> [DomainRecord] {
        var request = StoredDomain.order(Column("name"))
        if let states {
            try requireKnown(LifecycleState.self, "domain", "state")
            request = request.filter(states.map(\.rawValue).contains(Column("state")))
        }
        return try domainRecords(request)
    }

    func records(named domains: [DomainName]) throws -> [DomainRecord] {
        guard !domains.isEmpty else { return [] }
        return try domainRecords(StoredDomain.filter(domains.map(\.value).contains(Column("name"))).order(Column("name")))
    }

    func domainCounts() throws -> [LifecycleState: Int] {
        let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM domain GROUP BY state")
        return try Dictionary(uniqueKeysWithValues: rows.map { row in
            let code: String = row["state"]
            guard let state = LifecycleState(rawValue: code) else {
                throw CorruptStateError(table: "domain", column: "state", value: code, why: "not a lifecycle state")
            }
            return (state, row["n"] as Int)
        })
    }

    func save(_ record: DomainRecord) throws { try StoredDomain(record).upsert(db) }

    // MARK: Challenges and attempts

    func openChallenge(domain: DomainName, purpose: Challenge.Purpose) throws -> ChallengeRow? {
        try requireKnown(ChallengeStatus.self, "challenge", "status", scope: "domain = ?", [domain.value])
        try requireKnown(Challenge.Purpose.self, "challenge", "purpose", scope: "domain = ?", [domain.value])
        return try row(Stored<ChallengeRow>.filter(Column("domain") == domain.value && Column("purpose") == purpose.rawValue
                                                && Column("status") == ChallengeStatus.open.rawValue)
            .order(Column("id").desc))
    }

    func openChallenges(expiredAt now: Timestamp, domain: DomainName?) throws -> [ChallengeRow] {
        try requireKnown(ChallengeStatus.self, "challenge", "status")
        var request = Stored<ChallengeRow>.filter(Column("status") == ChallengeStatus.open.rawValue
                                                      && Column("expires") <= now.rfc3339)
        if let domain { request = request.filter(Column("domain") == domain.value) }
        return try rows(request.order(Column("id")))
    }

    func insert(_ challenge: ChallengeRow) throws -> ChallengeRow {
        try db.execute(sql: "UPDATE challenge SET status = ? WHERE domain = ? AND purpose = ? AND status = ?",
                       arguments: [ChallengeStatus.superseded.rawValue, challenge.domain.value, challenge.purpose.rawValue,
                                   ChallengeStatus.open.rawValue])
        return try insertRow(challenge)
    }

    func update(_ challenge: ChallengeRow) throws { try updateRow(challenge) }

    func submissionsCreated(since: Timestamp) throws -> Int {
        try requireKnown(Challenge.Purpose.self, "challenge", "purpose", scope: "created >= ?", [since.rfc3339])
        return try Stored<ChallengeRow>.filter(Column("purpose") == Challenge.Purpose.submit.rawValue
                                            && Column("created") >= since.rfc3339).fetchCount(db)
    }

    func recordAttempt(domain: DomainName, kind: AttemptKind, time: Timestamp) throws {
        try insertRow(AttemptRow(domain: domain, kind: kind, time: time))
    }

    func attempts(domain: DomainName, kind: AttemptKind, since: Timestamp) throws -> Int {
        try requireKnown(AttemptKind.self, "attempt", "kind", scope: "domain = ?", [domain.value])
        return try Stored<AttemptRow>.filter(Column("domain") == domain.value && Column("kind") == kind.rawValue
                                          && Column("time") >= since.rfc3339).fetchCount(db)
    }

    // MARK: Validations, audit log, notifications

    func validations(domain: DomainName, limit: Int) throws -> [ValidationRow] {
        try rows(Stored<ValidationRow>.filter(Column("domain") == domain.value)
            .order(Column("time").desc, Column("id").desc).limit(limit))
    }

    func insert(_ validation: ValidationRow) throws -> ValidationRow { try insertRow(validation) }

    func events(domain: DomainName?, limit: Int?) throws -> [AuditEventRow] {
        var request = Stored<AuditEventRow>.order(Column("id").desc)
        if let domain { request = request.filter(Column("domain") == domain.value) }
        if let limit { request = request.limit(limit) }
        return try rows(request).reversed()
    }

    func events(domain: DomainName?, after: Int64, limit: Int) throws -> [AuditEventRow] {
        var request = Stored<AuditEventRow>.filter(Column("id") > after)
        if let domain { request = request.filter(Column("domain") == domain.value) }
        return try rows(request.order(Column("id")).limit(max(0, limit)))
    }

    func insert(_ event: AuditEventRow) throws -> AuditEventRow { try insertRow(event) }

    func notifications(status: NotificationStatus) throws -> [NotificationRow] {
        try requireKnown(NotificationStatus.self, "notification", "status")
        return try rows(Stored<NotificationRow>.filter(Column("status") == status.rawValue).order(Column("id")))
    }

    func notifications(domain: DomainName) throws -> [NotificationRow] {
        try rows(Stored<NotificationRow>.filter(Column("domain") == domain.value).order(Column("id")))
    }

    func insert(_ notification: NotificationRow) throws -> NotificationRow { try insertRow(notification) }

    func update(_ notification: NotificationRow) throws { try updateRow(notification) }

    // MARK: Runs

    func unfinishedRuns() throws -> [RunRow] {
        try requireKnown(RunStatus.self, "run", "status")
        return try rows(Stored<RunRow>.filter(Column("status") == RunStatus.running.rawValue).order(Column("id")))
    }

    func lastCompletedRun() throws -> RunRow? {
        try requireKnown(RunStatus.self, "run", "status")
        return try row(Stored<RunRow>.filter(Column("status") == RunStatus.completed.rawValue).order(Column("id").desc))
    }

    func run(_ id: Int64) throws -> RunRow? {
        try row(Stored<RunRow>.filter(Column("id") == id))
    }

    func startRun(_ run: RunRow, domains: [DomainName]) throws -> RunRow {
        let row = try insertRow(run)
        for (ordinal, domain) in domains.enumerated() {
            try StoredKeyed(RunItemRow(runId: row.id!, domain: domain, done: false, ordinal: Int64(ordinal))).insert(db)
        }
        return row
    }

    func update(_ run: RunRow) throws { try updateRow(run) }

    func pendingItems(run: Int64) throws -> [DomainName] {
        try String.fetchAll(db, sql: "SELECT domain FROM run_item WHERE runId = ? AND done = 0 ORDER BY ordinal, domain",
                            arguments: [run])
            .map { try name($0, "run_item", "domain") }
    }

    func itemCounts(run: Int64) throws -> (total: Int, done: Int) {
        let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(done), 0) AS d FROM run_item WHERE runId = ?",
                                   arguments: [run])
        return (row?["n"] ?? 0, row?["d"] ?? 0)
    }

    func markDone(run: Int64, domain: DomainName) throws {
        try db.execute(sql: "UPDATE run_item SET done = 1 WHERE runId = ? AND domain = ?", arguments: [run, domain.value])
        try db.execute(sql: "DELETE FROM run_claim WHERE runId = ? AND domain = ?", arguments: [run, domain.value])
    }

    func finishItem(run: Int64, domain: DomainName) throws -> Bool {
        try db.execute(sql: "UPDATE run_item SET done = 1 WHERE runId = ? AND domain = ? AND done = 0", arguments: [run, domain.value])
        guard db.changesCount > 0 else { return false }
        try db.execute(sql: "DELETE FROM run_claim WHERE runId = ? AND domain = ?", arguments: [run, domain.value])
        return true
    }

    func isDone(run: Int64, domain: DomainName) throws -> Bool? {
        try Bool.fetchOne(db, sql: "SELECT done FROM run_item WHERE runId = ? AND domain = ?", arguments: [run, domain.value])
    }

    func claimItems(run: Int64, vantage: String, holder: String, limit: Int, now: Timestamp, until: Timestamp) throws
        -> [DomainName]
    {
        let names = try String.fetchAll(db, sql: """
            SELECT i.domain FROM run_item i
            WHERE i.runId = ? AND i.done = 0
              AND NOT EXISTS (SELECT 1 FROM validation v WHERE v.runId = i.runId AND v.domain = i.domain AND v.vantage = ?)
              AND NOT EXISTS (SELECT 1 FROM run_claim c WHERE c.runId = i.runId AND c.domain = i.domain AND c.vantage = ?
                              AND c.expires > ?)
            ORDER BY i.ordinal, i.domain LIMIT ?
            """, arguments: [run, vantage, vantage, now.rfc3339, max(0, limit)])
        let claimed = try names.map { try name($0, "run_item", "domain") }
        for domain in names {
            try db.execute(sql: """
                INSERT INTO run_claim (runId, domain, vantage, holder, expires) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (runId, domain, vantage) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
                """, arguments: [run, domain, vantage, holder, until.rfc3339])
        }
        return claimed
    }

    func releaseLeases(run: Int64) throws {
        try db.execute(sql: "DELETE FROM run_claim WHERE runId = ?", arguments: [run])
    }

    func validations(run: Int64, domain: DomainName) throws -> [ValidationRow] {
        try rows(Stored<ValidationRow>.filter(Column("runId") == run && Column("domain") == domain.value).order(Column("id")))
    }

    func itemsAwaiting(run: Int64, vantage: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM run_item i WHERE i.runId = ? AND i.done = 0
              AND NOT EXISTS (SELECT 1 FROM validation v WHERE v.runId = i.runId AND v.domain = i.domain AND v.vantage = ?)
            """, arguments: [run, vantage]) ?? 0
    }

    // MARK: Publications

    func lastPublication() throws -> PublicationRow? {
        try row(Stored<PublicationRow>.order(Column("id").desc))
    }

    func insert(_ publication: PublicationRow) throws -> PublicationRow { try insertRow(publication) }

    // MARK: Contacts

    func contact(_ address: String) throws -> ContactRow? {
        try row(Stored<ContactRow>.filter(Column("address") == address))
    }

    func contact(tokenHash: String) throws -> ContactRow? {
        try row(Stored<ContactRow>.filter(Column("tokenHash") == tokenHash))
    }

    func confirmationMails(address: String, since: Timestamp) throws -> Int {
        try Stored<ContactMailRow>.filter(Column("address") == address && Column("time") >= since.rfc3339).fetchCount(db)
    }

    func confirmationMails(addressDomain: String, since: Timestamp) throws -> Int {
        try Stored<ContactMailRow>.filter(Column("addressDomain") == addressDomain && Column("time") >= since.rfc3339).fetchCount(db)
    }

    func save(_ contact: ContactRow) throws -> ContactRow {
        if contact.id == nil { return try insertRow(contact) }
        try updateRow(contact)
        return contact
    }

    func recordConfirmationMail(address: String, addressDomain: String, time: Timestamp) throws {
        try insertRow(ContactMailRow(address: address, addressDomain: addressDomain, time: time))
    }

    // MARK: Whole state

    func allRows<R: StateRow>(_ type: R.Type) throws -> [R] { try rows(Stored<R>.all()) }

    func allKeyedRows<R: KeyedStateRow>(_ type: R.Type) throws -> [R] {
        try decode(R.tableName, try Row.fetchAll(db, sql: "SELECT * FROM \(R.tableName)")) { try StoredKeyed<R>(row: $0).value }
    }

    func removeEverything() throws {
        // Children before the rows they reference.
        for table in ["notification", "run_claim", "run_item", "audit_event", "run", "domain", "challenge", "attempt", "validation",
                      "publication", "contact", "contact_mail"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
    }

    func insertExactly<R: StateRow>(_ row: R) throws { try insertRow(row) }
    func insertExactly<R: KeyedStateRow>(_ row: R) throws { try StoredKeyed(row).insert(db) }
    func insertExactly(_ record: DomainRecord) throws { try StoredDomain(record).insert(db) }
    /// SQLite's AUTOINCREMENT follows the highest id by itself.
    func continueIds() throws {}
}

/// A keyed row (run item, run claim) as GRDB stores it.
private struct StoredKeyed<Value: KeyedStateRow>: FetchableRecord, PersistableRecord, Codable {
    static var databaseTableName: String { Value.tableName }
    var value: Value
    init(_ value: Value) { self.value = value }
    init(from decoder: any Decoder) throws { value = try Value(from: decoder) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
