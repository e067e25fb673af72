import PreloadCore
import PreloadCuration

/// One transaction on the Postgres state: the ``StateWriter`` given to the bodies of
/// ``PostgresStateStore/read(_:)`` and ``PostgresStateStore/write(_:)``, valid only inside them. The same
/// reads and writes as the SQLite transaction, in SQL: a stored code no enum has, or a name that is not a
/// domain name, is a ``CorruptStateError`` naming the table, the column and the value.
struct PostgresTransaction: StateWriter {
    let session: PostgresSession

    init(_ session: PostgresSession) { self.session = session }

    // MARK: Rows

    /// Decodes rows of `table`, turning a value that does not decode into a ``CorruptStateError``.
    private func decode<T: Decodable>(_ type: T.Type, _ table: String, _ rows: [[String: SQLValue]]) throws -> [T] {
        try rows.map { row in
            do {
                return try RowCoding.decode(T.self, from: row)
            } catch let error as DecodingError {
                throw CorruptStateError(table: table, decoding: error) { column in
                    switch row[column] ?? .null {
                    case .null: "NULL"
                    case .text(let s): s
                    case .int(let i): "\(i)"
                    case .bool(let b): "\(b)"
                    }
                }
            }
        }
    }

    private func select<R: StateRow>(_ type: R.Type, _ rest: String, _ binds: [SQLValue] = []) throws -> [R] {
        try decode(R.self, R.tableName, try session.rows("SELECT * FROM \(R.tableName) \(rest)", binds))
    }

    private func count(_ sql: String, _ binds: [SQLValue]) throws -> Int {
        guard case .int(let n)? = try session.rows(sql, binds).first?.values.first else { return 0 }
        return Int(n)
    }

    /// Inserts a row (its id, when set, kept) and returns it with its id.
    @discardableResult
    private func insertRow<R: StateRow>(_ row: R) throws -> R {
        let columns = try RowCoding.columns(row).filter { !($0.0 == "id" && $0.1 == .null) }
        let names = columns.map { "\"\($0.0)\"" }.joined(separator: ", ")
        let marks = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
        let result = try session.rows("INSERT INTO \(R.tableName) (\(names)) VALUES (\(marks)) RETURNING id", columns.map(\.1))
        var inserted = row
        if case .int(let id)? = result.first?["id"] { inserted.id = id }
        return inserted
    }

    /// Inserts a keyed row (no id) as its columns.
    private func insertColumns<R: KeyedStateRow>(_ row: R) throws {
        let columns = try RowCoding.columns(row)
        let names = columns.map { "\"\($0.0)\"" }.joined(separator: ", ")
        let marks = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
        try session.execute("INSERT INTO \(R.tableName) (\(names)) VALUES (\(marks))", columns.map(\.1))
    }

    private func updateRow<R: StateRow>(_ row: R) throws {
        guard let id = row.id else { throw PostgresStateError.database("cannot update a \(R.tableName) row that has no id") }
        let columns = try RowCoding.columns(row).filter { $0.0 != "id" }
        let sets = columns.enumerated().map { "\"\($0.element.0)\" = $\($0.offset + 1)" }.joined(separator: ", ")
        try session.execute("UPDATE \(R.tableName) SET \(sets) WHERE id = $\(columns.count + 1)", columns.map(\.1) + [.int(id)])
    }

    /// Rows filtered on a stored code are only as good as the codes: a code no case of `Code` has (in the
    /// rows `scope` selects) is a ``CorruptStateError``, so that a filter never skips a row silently.
    private func requireKnown<Code: RawRepresentable & CaseIterable>(_: Code.Type, _ table: String, _ column: String,
                                                                   scope: String = "TRUE", _ binds: [SQLValue] = [])
    throws where Code.RawValue == String {
        let known = Code.allCases.map(\.rawValue)
        let marks = known.indices.map { "$\(binds.count + $0 + 1)" }.joined(separator: ", ")
        let sql = "SELECT \"\(column)\" AS code FROM \(table) WHERE \(scope) AND \"\(column)\" NOT IN (\(marks)) LIMIT 1"
        if case .text(let code)? = try session.rows(sql, binds + known.map(SQLValue.text)).first?["code"] {
            throw CorruptStateError(table: table, column: column, value: code, why: "not a known \(Code.self) code")
        }
    }

    private func name(_ raw: String, _ table: String, _ column: String) throws -> DomainName {
        do { return try DomainName(raw) } catch {
            throw CorruptStateError(table: table, column: column, value: raw, why: "not a valid domain name: \(error)")
        }
    }

    // MARK: Domains

    func record(_ domain: DomainName) throws -> DomainRecord? {
        try decode(DomainRecord.self, "domain", try session.rows("SELECT * FROM domain WHERE name = $1", [.text(domain.value)])).first
    }

    func records(inStates states: Set<LifecycleState>?) throws -> [DomainRecord] {
        guard let states else {
            return try decode(DomainRecord.self, "domain", try session.rows("SELECT * FROM domain ORDER BY name COLLATE \"C\""))
        }
        try requireKnown(LifecycleState.self, "domain", "state")
        let codes = states.map(\.rawValue).sorted()
        guard !codes.isEmpty else { return [] }
        let marks = codes.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        return try decode(DomainRecord.self, "domain",
                          try session.rows("SELECT * FROM domain WHERE state IN (\(marks)) ORDER BY name COLLATE \"C\"",
                                           codes.map(SQLValue.text)))
    }

    func records(named domains: [DomainName]) throws -> [DomainRecord] {
        guard !domains.isEmpty else { return [] }
        return try decode(DomainRecord.self, "domain", try session.rows("""
            SELECT * FROM domain WHERE name = ANY(string_to_array($1, E'\\n')) ORDER BY name COLLATE "C"
            """, [.text(domains.map(\.value).joined(separator: "\n"))]))
    }

    func domainCounts() throws -> [LifecycleState: Int] {
        var counts: [LifecycleState: Int] = [:]
        for row in try session.rows("SELECT state, COUNT(*) AS n FROM domain GROUP BY state") {
            guard case .text(let code)? = row["state"], case .int(let n)? = row["n"] else { continue }
            guard let state = LifecycleState(rawValue: code) else {
                throw CorruptStateError(table: "domain", column: "state", value: code, why: "not a lifecycle state")
            }
            counts[state] = Int(n)
        }
        return counts
    }

    func save(_ record: DomainRecord) throws {
        let columns = try RowCoding.columns(record)
        let names = columns.map { "\"\($0.0)\"" }.joined(separator: ", ")
        let marks = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
        let updates = columns.filter { $0.0 != "name" }.map { "\"\($0.0)\" = EXCLUDED.\"\($0.0)\"" }.joined(separator: ", ")
        try session.execute("INSERT INTO domain (\(names)) VALUES (\(marks)) ON CONFLICT (name) DO UPDATE SET \(updates)",
                            columns.map(\.1))
    }

    // MARK: Challenges and attempts

    func openChallenge(domain: DomainName, purpose: Challenge.Purpose) throws -> ChallengeRow? {
        try requireKnown(ChallengeStatus.self, "challenge", "status", scope: "domain = $1", [.text(domain.value)])
        try requireKnown(Challenge.Purpose.self, "challenge", "purpose", scope: "domain = $1", [.text(domain.value)])
        return try select(ChallengeRow.self, "WHERE domain = $1 AND purpose = $2 AND status = $3 ORDER BY id DESC LIMIT 1",
                          [.text(domain.value), .text(purpose.rawValue), .text(ChallengeStatus.open.rawValue)]).first
    }

    func openChallenges(expiredAt now: Timestamp, domain: DomainName?) throws -> [ChallengeRow] {
        try requireKnown(ChallengeStatus.self, "challenge", "status")
        var binds: [SQLValue] = [.text(ChallengeStatus.open.rawValue), .text(now.rfc3339)]
        var filter = "WHERE status = $1 AND expires <= $2"
        if let domain {
            filter += " AND domain = $3"
            binds.append(.text(domain.value))
        }
        return try select(ChallengeRow.self, filter + " ORDER BY id", binds)
    }

    func insert(_ challenge: ChallengeRow) throws -> ChallengeRow {
        try session.execute("UPDATE challenge SET status = $1 WHERE domain = $2 AND purpose = $3 AND status = $4",
                            [.text(ChallengeStatus.superseded.rawValue), .text(challenge.domain.value),
                             .text(challenge.purpose.rawValue), .text(ChallengeStatus.open.rawValue)])
        return try insertRow(challenge)
    }

    func update(_ challenge: ChallengeRow) throws { try updateRow(challenge) }

    func submissionsCreated(since: Timestamp) throws -> Int {
        try requireKnown(Challenge.Purpose.self, "challenge", "purpose", scope: "created >= $1", [.text(since.rfc3339)])
        return try count("SELECT COUNT(*) FROM challenge WHERE purpose = $1 AND created >= $2",
                         [.text(Challenge.Purpose.submit.rawValue), .text(since.rfc3339)])
    }

    func recordAttempt(domain: DomainName, kind: AttemptKind, time: Timestamp) throws {
        try session.execute("INSERT INTO attempt (domain, kind, time) VALUES ($1, $2, $3)",
                            [.text(domain.value), .text(kind.rawValue), .text(time.rfc3339)])
    }

    func attempts(domain: DomainName, kind: AttemptKind, since: Timestamp) throws -> Int {
        try requireKnown(AttemptKind.self, "attempt", "kind", scope: "domain = $1", [.text(domain.value)])
        return try count("SELECT COUNT(*) FROM attempt WHERE domain = $1 AND kind = $2 AND time >= $3",
                         [.text(domain.value), .text(kind.rawValue), .text(since.rfc3339)])
    }

    // MARK: Validations, audit log, notifications

    func validations(domain: DomainName, limit: Int) throws -> [ValidationRow] {
        try select(ValidationRow.self, "WHERE domain = $1 ORDER BY time DESC, id DESC LIMIT $2",
                   [.text(domain.value), .int(Int64(max(0, limit)))])
    }

    func insert(_ validation: ValidationRow) throws -> ValidationRow { try insertRow(validation) }

    func events(domain: DomainName?, limit: Int?) throws -> [AuditEventRow] {
        var binds: [SQLValue] = []
        var rest = ""
        if let domain {
            binds.append(.text(domain.value))
            rest += "WHERE domain = $1 "
        }
        rest += "ORDER BY id DESC"
        if let limit {
            binds.append(.int(Int64(max(0, limit))))
            rest += " LIMIT $\(binds.count)"
        }
        return try select(AuditEventRow.self, rest, binds).reversed()
    }

    func events(domain: DomainName?, after: Int64, limit: Int) throws -> [AuditEventRow] {
        var binds: [SQLValue] = [.int(after)]
        var rest = "WHERE id > $1"
        if let domain {
            binds.append(.text(domain.value))
            rest += " AND domain = $2"
        }
        binds.append(.int(Int64(max(0, limit))))
        return try select(AuditEventRow.self, rest + " ORDER BY id LIMIT $\(binds.count)", binds)
    }

    func insert(_ event: AuditEventRow) throws -> AuditEventRow { try insertRow(event) }

    func notifications(status: NotificationStatus) throws -> [NotificationRow] {
        try requireKnown(NotificationStatus.self, "notification", "status")
        return try select(NotificationRow.self, "WHERE status = $1 ORDER BY id", [.text(status.rawValue)])
    }

    func notifications(domain: DomainName) throws -> [NotificationRow] {
        try select(NotificationRow.self, "WHERE domain = $1 ORDER BY id", [.text(domain.value)])
    }

    func insert(_ notification: NotificationRow) throws -> NotificationRow { try insertRow(notification) }

    func update(_ notification: NotificationRow) throws { try updateRow(notification) }

    // MARK: Runs

    func unfinishedRuns() throws -> [RunRow] {
        try requireKnown(RunStatus.self, "run", "status")
        return try select(RunRow.self, "WHERE status = $1 ORDER BY id", [.text(RunStatus.running.rawValue)])
    }

    func lastCompletedRun() throws -> RunRow? {
        try requireKnown(RunStatus.self, "run", "status")
        return try select(RunRow.self, "WHERE status = $1 ORDER BY id DESC LIMIT 1", [.text(RunStatus.completed.rawValue)]).first
    }

    func run(_ id: Int64) throws -> RunRow? {
        try select(RunRow.self, "WHERE id = $1", [.int(id)]).first
    }

    func startRun(_ run: RunRow, domains: [DomainName]) throws -> RunRow {
        let row = try insertRow(run)
        // One statement for the whole journal: the names as one array parameter, unnested.
        if !domains.isEmpty {
            let list = domains.map(\.value).joined(separator: "\n")
            try session.execute("""
                INSERT INTO run_item ("runId", domain, done, ordinal)
                SELECT $1, name, FALSE, n - 1 FROM unnest(string_to_array($2, E'\\n')) WITH ORDINALITY AS t(name, n)
                """, [.int(row.id!), .text(list)])
            // Statistics that know the new round: without them the planner takes the round for a few rows and
            // reads, filters and sorts all of them in every claim instead of walking `run_item_claim_order` to its
            // batch (on a fresh database every claim of 1,000 domains cost 20 ms instead of 1 ms, and the cost
            // grows with the round). ANALYZE samples a bounded number of rows, whatever the round's length.
            try session.execute("ANALYZE run_item")
        }
        return row
    }

    func update(_ run: RunRow) throws { try updateRow(run) }

    func pendingItems(run: Int64) throws -> [DomainName] {
        try session.rows("SELECT domain FROM run_item WHERE \"runId\" = $1 AND NOT done ORDER BY ordinal, domain COLLATE \"C\"",
                         [.int(run)])
            .map { row in
                guard case .text(let raw)? = row["domain"] else {
                    throw CorruptStateError(table: "run_item", column: "domain", value: "NULL", why: "no domain name")
                }
                return try name(raw, "run_item", "domain")
            }
    }

    func itemCounts(run: Int64) throws -> (total: Int, done: Int) {
        let row = try session.rows("SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE done) AS d FROM run_item WHERE \"runId\" = $1",
                                   [.int(run)]).first
        guard case .int(let n)? = row?["n"], case .int(let d)? = row?["d"] else { return (0, 0) }
        return (Int(n), Int(d))
    }

    func markDone(run: Int64, domain: DomainName) throws {
        try session.execute("""
            WITH dropped AS (DELETE FROM run_claim WHERE "runId" = $1 AND domain = $2)
            UPDATE run_item SET done = TRUE WHERE "runId" = $1 AND domain = $2
            """, [.int(run), .text(domain.value)])
    }

    /// One statement: the item marked, its claims dropped, and whether it was this statement that marked it.
    func finishItem(run: Int64, domain: DomainName) throws -> Bool {
        !(try session.rows("""
            WITH marked AS (UPDATE run_item SET done = TRUE WHERE "runId" = $1 AND domain = $2 AND NOT done RETURNING domain),
                 dropped AS (DELETE FROM run_claim WHERE "runId" = $1 AND domain IN (SELECT domain FROM marked))
            SELECT domain FROM marked
            """, [.int(run), .text(domain.value)])).isEmpty
    }

    func isDone(run: Int64, domain: DomainName) throws -> Bool? {
        guard case .bool(let done)? = try session.rows("SELECT done FROM run_item WHERE \"runId\" = $1 AND domain = $2",
                                                        [.int(run), .text(domain.value)]).first?["done"] else { return nil }
        return done
    }

    /// `FOR UPDATE SKIP LOCKED`: run items another transaction is claiming are passed over, not waited for.
    /// The live claims are read once per claim, into a hash (`NOT IN` over a column that is never NULL) that
    /// each item walked is looked up in. As a `NOT EXISTS`, the planner joined them with no statistics on
    /// `run_claim`, comparing every item walked with every claim in flight: 3 ms per claim at concurrency 64.
    /// Claims are serialised among themselves (a transaction-level advisory lock, which result writes do not
    /// take): a claim only locks the items it takes, without changing them, so a claim whose snapshot was
    /// taken before another claim committed could otherwise lock the same items once they are free and not
    /// see the other's claims — both workers would validate them.
    func claimItems(run: Int64, vantage: String, holder: String, limit: Int, now: Timestamp, until: Timestamp) throws
        -> [DomainName]
    {
        try session.execute("SELECT pg_advisory_xact_lock($1)", [.int(PostgresStateStore.claimLockKey)])
        return try session.rows("""
            INSERT INTO run_claim ("runId", domain, vantage, holder, expires)
            SELECT i."runId", i.domain, $1, $2, $3 FROM run_item i
            WHERE i."runId" = $4 AND NOT i.done
              AND NOT EXISTS (SELECT 1 FROM validation v WHERE v."runId" = i."runId" AND v.domain = i.domain AND v.vantage = $1)
              AND i.domain NOT IN (SELECT c.domain FROM run_claim c WHERE c."runId" = $4 AND c.vantage = $1 AND c.expires > $5)
            ORDER BY i.ordinal, i.domain COLLATE "C" LIMIT $6 FOR UPDATE OF i SKIP LOCKED
            ON CONFLICT ("runId", domain, vantage) DO UPDATE SET holder = EXCLUDED.holder, expires = EXCLUDED.expires
            RETURNING domain
            """, [.text(vantage), .text(holder), .text(until.rfc3339), .int(run), .text(now.rfc3339), .int(Int64(max(0, limit)))])
        .map { row in
            guard case .text(let raw)? = row["domain"] else {
                throw CorruptStateError(table: "run_item", column: "domain", value: "NULL", why: "no domain name")
            }
            return try name(raw, "run_item", "domain")
        }
        // RETURNING gives no order: a batch (a few domains, taken in claim order) is checked in name order.
        .sorted { $0.value.utf8.lexicographicallyPrecedes($1.value.utf8) }
    }

    func releaseLeases(run: Int64) throws {
        try session.execute("DELETE FROM run_claim WHERE \"runId\" = $1", [.int(run)])
    }

    func validations(run: Int64, domain: DomainName) throws -> [ValidationRow] {
        try select(ValidationRow.self, "WHERE \"runId\" = $1 AND domain = $2 ORDER BY id", [.int(run), .text(domain.value)])
    }

    func itemsAwaiting(run: Int64, vantage: String) throws -> Int {
        try count("""
            SELECT COUNT(*) FROM run_item i WHERE i."runId" = $1 AND NOT i.done
              AND NOT EXISTS (SELECT 1 FROM validation v WHERE v."runId" = i."runId" AND v.domain = i.domain AND v.vantage = $2)
            """, [.int(run), .text(vantage)])
    }

    // MARK: Publications

    func lastPublication() throws -> PublicationRow? {
        try select(PublicationRow.self, "ORDER BY id DESC LIMIT 1").first
    }

    func insert(_ publication: PublicationRow) throws -> PublicationRow { try insertRow(publication) }

    // MARK: Contacts

    func contact(_ address: String) throws -> ContactRow? {
        try select(ContactRow.self, "WHERE address = $1 LIMIT 1", [.text(address)]).first
    }

    func contact(tokenHash: String) throws -> ContactRow? {
        try select(ContactRow.self, "WHERE \"tokenHash\" = $1 LIMIT 1", [.text(tokenHash)]).first
    }

    func confirmationMails(address: String, since: Timestamp) throws -> Int {
        try count("SELECT COUNT(*) FROM contact_mail WHERE address = $1 AND time >= $2", [.text(address), .text(since.rfc3339)])
    }

    func confirmationMails(addressDomain: String, since: Timestamp) throws -> Int {
        try count("SELECT COUNT(*) FROM contact_mail WHERE \"addressDomain\" = $1 AND time >= $2",
                  [.text(addressDomain), .text(since.rfc3339)])
    }

    func save(_ contact: ContactRow) throws -> ContactRow {
        if contact.id == nil { return try insertRow(contact) }
        try updateRow(contact)
        return contact
    }

    // MARK: Whole state

    func allRows<R: StateRow>(_ type: R.Type) throws -> [R] { try select(R.self, "") }

    func allKeyedRows<R: KeyedStateRow>(_ type: R.Type) throws -> [R] {
        try decode(R.self, R.tableName, try session.rows("SELECT * FROM \(R.tableName)"))
    }

    func removeEverything() throws {
        try session.execute("""
            TRUNCATE notification, run_claim, run_item, audit_event, run, domain, challenge, attempt, validation, publication,
                contact, contact_mail
            """)
    }

    func insertExactly<R: StateRow>(_ row: R) throws { try insertRow(row) }
    func insertExactly<R: KeyedStateRow>(_ row: R) throws { try insertColumns(row) }
    func insertExactly(_ record: DomainRecord) throws { try save(record) }

    func continueIds() throws {
        // Rows copied with their ids: each sequence continues after the highest.
        for table in PostgresSchema.tablesWithIds {
            try session.execute("""
                SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \(table)
                """)
        }
    }

    func recordConfirmationMail(address: String, addressDomain: String, time: Timestamp) throws {
        try session.execute("INSERT INTO contact_mail (address, \"addressDomain\", time) VALUES ($1, $2, $3)",
                            [.text(address), .text(addressDomain), .text(time.rfc3339)])
    }
}
