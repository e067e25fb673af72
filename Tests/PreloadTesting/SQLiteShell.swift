import Foundation

/// Runs one SQL statement on the SQLite file at `path` with python3's sqlite3 (another SQLite client, as a
/// newer binary or an operator would be), returning the first column of the first row.
@discardableResult
public func sqliteQuery(_ path: String, _ sql: String) async throws -> String {
    try await sqlitePython(path, sql, "row = c.execute(sys.argv[2]).fetchone()\nprint(row[0] if row else '')")
}

/// Everything the SQLite file at `path` holds (schema, rows, user_version), as SQL text.
public func sqliteDump(_ path: String) async throws -> String {
    try await sqlitePython(path, "", "print('\\n'.join(c.iterdump()))\nprint(c.execute('PRAGMA user_version').fetchone()[0])")
}

/// Runs `body` in python3 with `c`, a connection to `path` (through ``Tool/run(_:_:cwd:stdin:environment:timeout:)``,
/// which waits off the cooperative pool); its stdout, trimmed.
private func sqlitePython(_ path: String, _ sql: String, _ body: String) async throws -> String {
    let out = try await Tool.run("/usr/bin/python3", [
        "-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\n" + body + "\nc.close()", path, sql,
    ])
    guard out.status == 0 else { throw TestSetupError("python3 sqlite3 failed on '\(sql)': \(out.stderr)") }
    return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}
