import GRDB

/// The schema, as named, append-only migrations: never edit or reorder a registered migration; add a
/// new one.
///
/// A database that a newer binary has migrated is refused before anything is read or written: it may
/// hold an applied migration this binary does not know (`grdb_migrations`), or a schema version
/// (`PRAGMA user_version`, the number of migrations applied) above ``version``.
enum StateSchema {
    /// This binary's schema version: the number of migrations it knows.
    static var version: Int { migrator.migrations.count }

    /// Why a database cannot be used by this binary, or `nil` when it can (it may still need migrations).
    static func newerSchema(_ db: Database) throws -> String? {
        let migrator = self.migrator
        let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
        if !unknown.isEmpty {
            return "it has migration\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) applied, which this preload does not know"
        }
        let stored = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if stored > version {
            return "its schema version is \(stored), and this preload knows versions up to \(version)"
        }
        return nil
    }

    /// Records the schema version after the migrations (never lowers it).
    static func stampVersion(_ db: Database) throws {
        let stored = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if stored < version { try db.execute(sql: "PRAGMA user_version = \(version)") }
    }

    /// The migrations in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial") { db in
            try db.create(table: "domain") { t in
                t.primaryKey("name", .text)
                t.column("state", .text).notNull().indexed()
                t.column("since", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("contact", .text).notNull()
                t.column("requestedMode", .text).notNull()
                t.column("mode", .text).notNull()
                t.column("patterns", .text).notNull()
                t.column("provenance", .text).notNull()
                t.column("added", .text)
                t.column("lastVerified", .text)
                t.column("probationSince", .text)
                t.column("passingValidations", .integer).notNull()
                t.column("failingSince", .text)
            }
            try db.create(table: "challenge") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("domain", .text).notNull().indexed()
                t.column("purpose", .text).notNull()
                t.column("token", .text).notNull()
                t.column("created", .text).notNull()
                t.column("expires", .text).notNull()
                t.column("status", .text).notNull()
                t.column("contact", .text)
                t.column("requestedMode", .text)
                t.column("patterns", .text)
                t.column("provenance", .text)
            }
            try db.create(table: "attempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("domain", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("time", .text).notNull()
            }
            try db.create(index: "attempt_by_domain", on: "attempt", columns: ["domain", "kind", "time"])
            try db.create(table: "validation") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("domain", .text).notNull()
                t.column("time", .text).notNull()
                t.column("eligible", .boolean).notNull()
                t.column("inconclusive", .boolean).notNull()
                t.column("issueCodes", .text).notNull()
                t.column("errorCodes", .text).notNull()
                t.column("facts", .text).notNull()
                t.column("runId", .integer)
            }
            try db.create(index: "validation_by_domain", on: "validation", columns: ["domain", "time"])
            try db.create(table: "audit_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .text).notNull()
                t.column("domain", .text).notNull().indexed()
                t.column("fromState", .text)
                t.column("toState", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("actor", .text).notNull()
            }
            try db.create(table: "notification") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("auditEventId", .integer).references("audit_event")
                t.column("domain", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("recipient", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("body", .text).notNull()
                t.column("created", .text).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("attempts", .integer).notNull()
                t.column("lastError", .text)
                t.column("sentAt", .text)
            }
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("started", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("phase", .text).notNull()
                t.column("resumes", .integer).notNull()
                t.column("finished", .text)
                t.column("summary", .text)
            }
            try db.create(table: "run_item") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("domain", .text).notNull()
                t.column("done", .boolean).notNull()
                t.primaryKey(["runId", "domain"])
            }
            try db.create(table: "publication") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .text).notNull()
                t.column("serial", .integer).notNull()
                t.column("expires", .text).notNull()
                t.column("domains", .integer).notNull()
                t.column("commit", .text)
                t.column("runId", .integer)
            }
        }
        // Contact confirmation: an address gets no mail but its one-time confirmation code until it is
        // confirmed; only the code's SHA-256 is stored. `contact_mail` counts confirmation mails for the
        // rate limits (per address, per address domain).
        migrator.registerMigration("v2-contact-confirmation") { db in
            try db.create(table: "contact") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("address", .text).notNull().unique()
                t.column("status", .text).notNull()
                t.column("tokenHash", .text).indexed()
                t.column("tokenExpires", .text)
                t.column("requested", .text)
                t.column("confirmedAt", .text)
                t.column("confirmedBy", .text)
            }
            try db.create(table: "contact_mail") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("address", .text).notNull()
                t.column("addressDomain", .text).notNull()
                t.column("time", .text).notNull()
            }
            try db.create(index: "contact_mail_by_address", on: "contact_mail", columns: ["address", "time"])
            try db.create(index: "contact_mail_by_domain", on: "contact_mail", columns: ["addressDomain", "time"])
        }
        // Shared rounds: a run's domains are claimed per vantage with leases (`run_claim`: holder, expiry),
        // so that several workers share one round and a dead worker's domains go back to the others; a
        // round may need results from several vantages (`run.vantages`); each validation records the
        // vantage it was seen from.
        migrator.registerMigration("v3-shared-rounds") { db in
            try db.create(table: "run_claim") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("domain", .text).notNull()
                t.column("vantage", .text).notNull()
                t.column("holder", .text).notNull()
                t.column("expires", .text).notNull()
                t.primaryKey(["runId", "domain", "vantage"])
            }
            try db.alter(table: "run") { t in t.add(column: "vantages", .integer).notNull().defaults(to: 1) }
            try db.alter(table: "validation") { t in t.add(column: "vantage", .text) }
            try db.create(index: "validation_by_run", on: "validation", columns: ["runId", "domain"])
        }
        // Claims take a round's items in the order the round gave them (``RoundOrder``), then by name; the
        // items still to validate are indexed in that order, so a claim walks the index and stops after its
        // batch instead of stepping over every item already done (which made each claim cost as much as the
        // part of the round behind it).
        migrator.registerMigration("v4-claim-order") { db in
            try db.alter(table: "run_item") { t in t.add(column: "ordinal", .integer).notNull().defaults(to: 0) }
            try db.execute(sql: "CREATE INDEX run_item_claim_order ON run_item (runId, ordinal, domain) WHERE done = 0")
        }
        return migrator
    }
}
