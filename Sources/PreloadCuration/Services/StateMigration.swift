import PreloadCore

/// `preload state migrate`: copies a whole state — domains, submissions and challenges, validations, the
/// audit log, notifications, runs, publications, contacts, the rate-limit counts — from one store to
/// another (SQLite to Postgres, or back), ids included, in one write transaction on the destination that
/// is verified before it commits: every table's row count and checksum must equal the source's, or nothing
/// is written.
public enum StateMigration {
    /// What was copied: each table's rows and the SHA-256 of their canonical JSON, equal on both sides.
    public struct Report: Codable, Sendable, Hashable {
        public var tables: [StateSnapshot.TableChecksum]
        /// The destination held rows that were replaced.
        public var replaced: Bool
    }

    /// Why nothing was copied.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The destination holds rows and `replace` was not given (how many).
        case destinationNotEmpty(Int)
        /// The copy read back differs from the source (the tables that differ): rolled back.
        case verificationFailed([String])

        public var description: String {
            switch self {
            case .destinationNotEmpty(let n):
                "the destination state is not empty (\(n) rows); nothing was copied (give --replace to replace everything it holds)"
            case .verificationFailed(let tables):
                "the copy read back differs from the source in \(tables.joined(separator: ", ")); nothing was written"
            }
        }
    }

    /// Copies `source` into `destination`; with `replace`, whatever `destination` holds is deleted first
    /// (in the same transaction).
    public static func copy(from source: any CurationStore, to destination: any CurationStore,
                            replace: Bool) async throws -> Report {
        let snapshot = try await source.read { try $0.snapshot() }
        let expected = try snapshot.checksums()
        return try await destination.write { tx in
            let existingRows = try tx.snapshot().rowCount
            if existingRows > 0 {
                guard replace else { throw Failure.destinationNotEmpty(existingRows) }
                try tx.removeEverything()
            }
            try tx.restore(snapshot)
            let copied = try tx.snapshot().checksums()
            let differing = zip(expected, copied).filter { $0.0 != $0.1 }.map(\.0.table)
            guard differing.isEmpty, copied.count == expected.count else { throw Failure.verificationFailed(differing) }
            return Report(tables: copied, replaced: existingRows > 0)
        }
    }
}
