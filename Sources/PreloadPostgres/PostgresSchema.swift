/// The Postgres state's schema: the same logical tables, columns and migration names as the SQLite state
/// (`StateSchema` in PreloadState), as named, append-only migrations. Never edit or reorder a registered
/// migration; add a new one, here and in the SQLite schema alike.
///
/// Applied migrations are rows of `preload_migration`; a state with a migration this binary does not
/// know is refused before anything is read or written. Identifiers are quoted: the columns keep the rows'
/// camelCase coding keys.
enum PostgresSchema {
    /// The migrations in order: name and statements.
    static let migrations: [(name: String, sql: [String])] = [
        ("v1-initial", [
            """
            CREATE TABLE domain (
                name TEXT PRIMARY KEY, state TEXT NOT NULL, since TEXT NOT NULL, reason TEXT NOT NULL,
                detail TEXT NOT NULL, contact TEXT NOT NULL, "requestedMode" TEXT NOT NULL, mode TEXT NOT NULL,
                patterns TEXT NOT NULL, provenance TEXT NOT NULL, added TEXT, "lastVerified" TEXT,
                "probationSince" TEXT, "passingValidations" BIGINT NOT NULL, "failingSince" TEXT)
            """,
            "CREATE INDEX domain_on_state ON domain (state)",
            """
            CREATE TABLE challenge (
                id BIGSERIAL PRIMARY KEY, domain TEXT NOT NULL, purpose TEXT NOT NULL, token TEXT NOT NULL,
                created TEXT NOT NULL, expires TEXT NOT NULL, status TEXT NOT NULL, contact TEXT,
                "requestedMode" TEXT, patterns TEXT, provenance TEXT)
            """,
            "CREATE INDEX challenge_on_domain ON challenge (domain)",
            "CREATE TABLE attempt (id BIGSERIAL PRIMARY KEY, domain TEXT NOT NULL, kind TEXT NOT NULL, time TEXT NOT NULL)",
            "CREATE INDEX attempt_by_domain ON attempt (domain, kind, time)",
            """
            CREATE TABLE validation (
                id BIGSERIAL PRIMARY KEY, domain TEXT NOT NULL, time TEXT NOT NULL, eligible BOOLEAN NOT NULL,
                inconclusive BOOLEAN NOT NULL, "issueCodes" TEXT NOT NULL, "errorCodes" TEXT NOT NULL,
                facts TEXT NOT NULL, "runId" BIGINT)
            """,
            "CREATE INDEX validation_by_domain ON validation (domain, time)",
            """
            CREATE TABLE audit_event (
                id BIGSERIAL PRIMARY KEY, time TEXT NOT NULL, domain TEXT NOT NULL, "fromState" TEXT,
                "toState" TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, actor TEXT NOT NULL)
            """,
            "CREATE INDEX audit_event_on_domain ON audit_event (domain)",
            """
            CREATE TABLE notification (
                id BIGSERIAL PRIMARY KEY, "auditEventId" BIGINT REFERENCES audit_event (id), domain TEXT NOT NULL,
                kind TEXT NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
                created TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT NOT NULL, "lastError" TEXT, "sentAt" TEXT)
            """,
            "CREATE INDEX notification_on_status ON notification (status)",
            """
            CREATE TABLE run (
                id BIGSERIAL PRIMARY KEY, started TEXT NOT NULL, pid BIGINT NOT NULL, status TEXT NOT NULL,
                phase TEXT NOT NULL, resumes BIGINT NOT NULL, finished TEXT, summary TEXT)
            """,
            "CREATE INDEX run_on_status ON run (status)",
            """
            CREATE TABLE run_item (
                "runId" BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE, domain TEXT NOT NULL,
                done BOOLEAN NOT NULL, PRIMARY KEY ("runId", domain))
            """,
            """
            CREATE TABLE publication (
                id BIGSERIAL PRIMARY KEY, time TEXT NOT NULL, serial BIGINT NOT NULL, expires TEXT NOT NULL,
                domains BIGINT NOT NULL, commit TEXT, "runId" BIGINT)
            """,
        ]),
        ("v2-contact-confirmation", [
            """
            CREATE TABLE contact (
                id BIGSERIAL PRIMARY KEY, address TEXT NOT NULL UNIQUE, status TEXT NOT NULL, "tokenHash" TEXT,
                "tokenExpires" TEXT, requested TEXT, "confirmedAt" TEXT, "confirmedBy" TEXT)
            """,
            "CREATE INDEX contact_on_token ON contact (\"tokenHash\")",
            """
            CREATE TABLE contact_mail (
                id BIGSERIAL PRIMARY KEY, address TEXT NOT NULL, "addressDomain" TEXT NOT NULL, time TEXT NOT NULL)
            """,
            "CREATE INDEX contact_mail_by_address ON contact_mail (address, time)",
            "CREATE INDEX contact_mail_by_domain ON contact_mail (\"addressDomain\", time)",
        ]),
        ("v3-shared-rounds", [
            """
            CREATE TABLE run_claim (
                "runId" BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE, domain TEXT NOT NULL,
                vantage TEXT NOT NULL, holder TEXT NOT NULL, expires TEXT NOT NULL,
                PRIMARY KEY ("runId", domain, vantage))
            """,
            "ALTER TABLE run ADD COLUMN vantages BIGINT NOT NULL DEFAULT 1",
            "ALTER TABLE validation ADD COLUMN vantage TEXT",
            "CREATE INDEX validation_by_run ON validation (\"runId\", domain)",
        ]),
        // Claims take a round's items in the order the round gave them (``RoundOrder``), then by name (bytewise,
        // as `COLLATE "C"`); the items still to validate are indexed in that order, so a claim walks the index
        // from its start and stops after its batch, instead of reading and sorting every item of the round
        // (which made each claim cost as much as the round was long).
        ("v4-claim-order", [
            "ALTER TABLE run_item ADD COLUMN ordinal BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX run_item_claim_order ON run_item (\"runId\", ordinal, domain COLLATE \"C\") WHERE NOT done",
        ]),
    ]

    /// The tables with a `BIGSERIAL id`, whose sequences follow rows copied in with their ids.
    static let tablesWithIds = ["challenge", "attempt", "validation", "audit_event", "notification", "run",
                                "publication", "contact", "contact_mail"]

    /// Statements run before the migrations, once: the migration log and the commit counter (a row that
    /// earlier versions moved in each write, and the sequence moved after each commit).
    static let bootstrap = [
        "CREATE TABLE IF NOT EXISTS preload_migration (name TEXT PRIMARY KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now())",
        "CREATE TABLE IF NOT EXISTS preload_commit (id INT PRIMARY KEY CHECK (id = 1), counter BIGINT NOT NULL)",
        "INSERT INTO preload_commit (id, counter) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        "CREATE SEQUENCE IF NOT EXISTS preload_commit_sequence",
    ]
}
