@testable import PreloadPostgres
import Testing

/// The typed SQL that a Postgres state prepares: each `$n` cast to its value's type, and no preparing when a
/// value's type is unknown.
struct PostgresStatementTests {
    @Test func eachParameterIsCastToItsValuesType() {
        let sql = #"UPDATE run_item SET done = $3 WHERE "runId" = $1 AND domain = $2 AND x IN ($1, $10)"#
        #expect(PostgresSession.typedSQL(sql, [.int(7), .text("a.test"), .bool(true)])
                == #"UPDATE run_item SET done = $3::bool WHERE "runId" = $1::int8 AND domain = $2::text AND x IN ($1::int8, $10)"#)
        #expect(PostgresSession.typedSQL("SELECT pg_advisory_xact_lock($1)", [.int(1)]) == "SELECT pg_advisory_xact_lock($1::int8)")
    }

    @Test func aNullValueOrNoValuesIsNotPrepared() {
        #expect(PostgresSession.typedSQL("INSERT INTO t (a, b) VALUES ($1, $2)", [.text("x"), .null]) == nil)
        #expect(PostgresSession.typedSQL("SELECT name FROM preload_migration", []) == nil)
    }
}
