import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// A state holding a value this preload cannot read (here a lifecycle state no release has had): the
/// curation commands that read it exit 70 naming the table, the column and the value, and change nothing.
@Suite struct UnreadableStateCLITests {
    @Test func anUnknownStoredStateIsAnErrorNotASkip() async throws {
        let cli = try await PreloadCLI("preload-unreadable-state")
        let now = Timestamp(rfc3339: "2026-12-01T00:00:00Z")!
        #expect(try await cli.run(["status", "frozen.test"], at: now).status == 0)
        let database = cli.state + "/state.sqlite"
        try await sqliteQuery(database, """
            INSERT INTO domain (name, state, since, reason, detail, contact, requestedMode, mode, patterns, provenance,
                                passingValidations)
            VALUES ('frozen.test', 'frozen', '2026-12-01T00:00:00Z', 'probation-passed', '', 'owner@frozen.test',
                    'enforce', 'enforce', '["mx.frozen.test"]', 'manual', 0)
            """)
        let before = try await sqliteDump(database)
        for command in [["status", "frozen.test"], ["validate-all", "--no-publish", "--timeout", "5"]] {
            let out = try await cli.run(command, at: now)
            #expect(out.status == 70, "\(command): exit \(out.status), \(out.stderr)")
            #expect(out.stderr.contains("domain.state") && out.stderr.contains("'frozen'"), "\(command): \(out.stderr)")
        }
        #expect(try await sqliteDump(database) == before)
    }
}
