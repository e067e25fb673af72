import Foundation
import PreloadCore
import PreloadState
import PreloadSystem
import PreloadTesting
import Testing
@testable import PreloadCuration

@Suite struct StateStoreTests {
    @Test func opensInWALModeWithEveryMigration() async throws {
        let store = try temporaryStore()
        #expect(try await store.journalMode() == "wal")
        #expect(try await store.appliedMigrations() == SQLiteStateStore.knownMigrations)
        #expect(SQLiteStateStore.knownMigrations.first == "v1-initial")
        // Reopening applies nothing twice and keeps the data.
        try await store.write { try $0.save(record(.listed)) }
        let again = try SQLiteStateStore(directory: store.directory)
        #expect(try await again.read { try $0.records().count } == 1)
    }

    /// A state that a newer binary migrated (a migration this binary does not know) is refused before
    /// anything is read or written: the database holds exactly what it held.
    @Test func aStateWithAMigrationThisBinaryDoesNotKnowIsRefused() async throws {
        let store = try temporaryStore()
        try await store.write { try $0.save(record(.listed)) }
        let file = store.path(SQLiteStateStore.databaseFileName)
        try await sqliteQuery(file, "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        let before = try await sqliteDump(file)
        #expect {
            try SQLiteStateStore(directory: store.directory)
        } throws: { error in
            guard case StateError.newerThanBinary(let path, let why) = error else { return false }
            return path == file && why.contains("v9-from-the-future")
        }
        #expect(try await sqliteDump(file) == before)
    }

    /// The same for a schema version above this binary's (`PRAGMA user_version`).
    @Test func aStateWithAHigherSchemaVersionIsRefused() async throws {
        let store = try temporaryStore()
        let file = store.path(SQLiteStateStore.databaseFileName)
        #expect(try await sqliteQuery(file, "PRAGMA user_version") == "\(SQLiteStateStore.schemaVersion)")
        try await sqliteQuery(file, "PRAGMA user_version = \(SQLiteStateStore.schemaVersion + 1)")
        #expect {
            try SQLiteStateStore(directory: store.directory)
        } throws: { error in
            guard case StateError.newerThanBinary(_, let why) = error else { return false }
            return why.contains("\(SQLiteStateStore.schemaVersion + 1)")
        }
        // An older stamp (a state from before versions were stamped) is brought up to date.
        try await sqliteQuery(file, "PRAGMA user_version = 0")
        _ = try SQLiteStateStore(directory: store.directory)
        #expect(try await sqliteQuery(file, "PRAGMA user_version") == "\(SQLiteStateStore.schemaVersion)")
    }

    @Test func refusesAFileAsStateDirectory() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("preload-file-\(UUID())").path
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        #expect(throws: StateError.self) { try SQLiteStateStore(directory: file) }
    }

    @Test(arguments: Backend.allCases) func domainRecordsRoundTrip(_ backend: Backend) async throws {
        let store = try await StoreUnderTest.make(backend).store
        var r = record(.failing, terms: stsTerms)
        r.mode = .testing
        r.lastVerified = t0.adding(days: -2)
        r.passingValidations = 4
        r.probationSince = t0.adding(days: -20)
        r.detail = "failed: tls.cert-expired"
        let saved = r
        try await store.write { try $0.save(saved) }
        let back = try await store.read { try $0.record(example) }
        #expect(back == saved)
        #expect(try await store.read { try $0.domainCounts() } == [.failing: 1])
    }

    /// Several records in one read: those that exist, by name; none asked, none read.
    @Test(arguments: Backend.allCases) func recordsAreReadByName(_ backend: Backend) async throws {
        let store = try await StoreUnderTest.make(backend).store
        let saved = try ["b.test", "a.test", "c.test"].map { name -> DomainRecord in
            var r = record(.listed)
            r.domain = try DomainName(name)
            return r
        }
        try await store.write { tx in for r in saved { try tx.save(r) } }
        let names = try ["c.test", "missing.test", "a.test"].map { try DomainName($0) }
        let back = try await store.read { try $0.records(named: names) }
        #expect(back.map(\.domain.value) == ["a.test", "c.test"])
        #expect(back == saved.filter { $0.domain.value != "b.test" }.sorted { $0.domain.value < $1.domain.value })
        #expect(try await store.read { try $0.records(named: []) }.isEmpty)
    }

    @Test(arguments: Backend.allCases) func unknownStateCodesAreReportedNotGuessed(_ backend: Backend) async throws {
        let sut = try await StoreUnderTest.make(backend)
        let store = sut.store
        try await store.write { try $0.save(record(.listed)) }
        try await sut.sql("UPDATE domain SET state = 'frozen'")
        let reads: [@Sendable (any StateReader) throws -> Void] = [
            { _ = try $0.record(example) }, { _ = try $0.records() }, { _ = try $0.domainCounts() },
        ]
        for read in reads {
            await #expect {
                try await store.read(read)
            } throws: { error in
                let e = error as? CorruptStateError
                return e?.table == "domain" && e?.column == "state" && e?.value == "frozen"
            }
        }
    }

    @Test(arguments: Backend.allCases) func aThrowingTransactionLeavesNothing(_ backend: Backend) async throws {
        let store = try await StoreUnderTest.make(backend).store
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await store.write { tx in
                try tx.save(record(.listed))
                try tx.insert(AuditEventRow(time: t0, domain: "example.test", fromState: nil, toState: .listed,
                                            reason: .submitted, detail: "", actor: .submit))
                throw Boom()
            }
        }
        #expect(try await store.read { try $0.records().isEmpty && $0.events().isEmpty })
    }

    @Test(arguments: Backend.allCases) func aNewChallengeSupersedesTheOpenOne(_ backend: Backend) async throws {
        let store = try await StoreUnderTest.make(backend).store
        let (first, second) = try await store.write { tx in
            let a = try tx.insert(ChallengeRow(domain: "example.test", purpose: .submit, token: "a", created: t0,
                                               expires: t0.adding(days: 7)))
            try tx.insert(ChallengeRow(domain: "example.test", purpose: .remove, token: "r", created: t0,
                                       expires: t0.adding(days: 7)))
            let b = try tx.insert(ChallengeRow(domain: "example.test", purpose: .submit, token: "b", created: t0,
                                               expires: t0.adding(days: 7)))
            return (a, b)
        }
        #expect(first.id != second.id)
        let open = try await store.read { try $0.openChallenge(domain: "example.test", purpose: .submit) }
        #expect(open?.token == "b")
        #expect(try await store.read { try $0.openChallenge(domain: "example.test", purpose: .remove) }?.token == "r")
        #expect(try await store.read { try $0.submissionsCreated(since: t0) } == 2)
        #expect(try await store.read { try $0.submissionsCreated(since: t0.adding(seconds: 1)) } == 0)
    }

    @Test(arguments: Backend.allCases) func attemptsAreCountedInAWindow(_ backend: Backend) async throws {
        let store = try await StoreUnderTest.make(backend).store
        try await store.write { tx in
            for h in [0, 10, 20, 30] {
                try tx.recordAttempt(domain: "example.test", kind: .submit, time: t0.adding(seconds: Int64(h) * 3600))
            }
            try tx.recordAttempt(domain: "other.test", kind: .submit, time: t0)
            try tx.recordAttempt(domain: "example.test", kind: .remove, time: t0)
        }
        let n = try await store.read { try $0.attempts(domain: "example.test", kind: .submit, since: t0.adding(seconds: 10 * 3600)) }
        #expect(n == 3)
    }

    @Test(arguments: Backend.allCases) func eventsComeOldestFirstAndLimitKeepsTheNewest(_ backend: Backend) async throws {
        let store = try await StoreUnderTest.make(backend).store
        try await store.write { tx in
            for (i, to) in [LifecycleState.pendingVerification, .probation, .listed].enumerated() {
                try tx.insert(AuditEventRow(time: t0.adding(days: i), domain: "example.test", fromState: nil, toState: to,
                                            reason: .submitted, detail: "", actor: .submit))
            }
            try tx.insert(AuditEventRow(time: t0, domain: "other.test", fromState: nil, toState: .probation,
                                        reason: .submitted, detail: "", actor: .submit))
        }
        let all = try await store.read { try $0.events(domain: "example.test") }
        #expect(all.map(\.toState) == [.pendingVerification, .probation, .listed])
        let last2 = try await store.read { try $0.events(domain: "example.test", limit: 2) }
        #expect(last2.map(\.toState) == [.probation, .listed])
        #expect(try await store.read { try $0.events().count } == 4)
    }

    @Test(arguments: Backend.allCases) func runJournalTracksWhatIsLeft(_ backend: Backend) async throws {
        let store = try await StoreUnderTest.make(backend).store
        let run = try await store.write { tx in
            try tx.startRun(RunRow(started: t0, pid: 42), domains: ["a.test", "b.test", "c.test"])
        }
        try await store.write { try $0.markDone(run: run.id!, domain: "b.test") }
        #expect(try await store.read { try $0.pendingItems(run: run.id!) } == ["a.test", "c.test"])
        let counts = try await store.read { try $0.itemCounts(run: run.id!) }
        #expect(counts.total == 3 && counts.done == 1)
        #expect(try await store.read { try $0.unfinishedRuns().map(\.id) } == [run.id])
    }

    @Test func theRunLockIsExclusiveAndReleasedWithItsOwner() throws {
        let store = try temporaryStore()
        let path = store.path("validate-all.lock")
        do {
            let held = try FileLock(path: path, holder: "pid 1 since \(t0.rfc3339)", mode: 0o600)
            #expect(throws: FileLockError.held(holder: "pid 1 since \(t0.rfc3339)")) {
                try FileLock(path: path, holder: "pid 2", mode: 0o600)
            }
            withExtendedLifetime(held) {}
        }
        let again = try FileLock(path: path, holder: "pid 3", mode: 0o600)
        withExtendedLifetime(again) {}
    }

    /// The cause of the "held by no named run" refusals: a process being spawned shares the lock's open
    /// file description until it execs (where O_CLOEXEC acts), so a run that only closed its descriptor
    /// left the lock held for that long. A forked child that never execs holds the description for as long
    /// as the test wants; the released lock must be free at once all the same.
    @Test func aReleasedLockIsFreeWhileASpawnedChildStillSharesItsDescriptor() throws {
        let store = try temporaryStore()
        let path = store.path("validate-all.lock")
        var first: FileLock? = try FileLock(path: path, holder: "pid 1 since \(t0.rfc3339)", mode: 0o600)
        let child = fork()
        if child == 0 {
            while true { pause() }  // async-signal-safe only: the parent kills it
        }
        #expect(child > 0)
        defer {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }
        withExtendedLifetime(first) {}
        first = nil
        let second = try FileLock(path: path, holder: "pid 2 since \(t0.rfc3339)", mode: 0o600)
        #expect(throws: FileLockError.held(holder: "pid 2 since \(t0.rfc3339)")) {
            try FileLock(path: path, holder: "pid 3", mode: 0o600)
        }
        withExtendedLifetime(second) {}
    }

    /// A holder that wrote no name (another program) is refused at once, not waited for.
    @Test func aHolderWithoutANameIsRefused() throws {
        let store = try temporaryStore()
        let path = store.path("validate-all.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        #expect(throws: FileLockError.held(holder: "")) { try FileLock(path: path, holder: "pid 4", mode: 0o600) }
    }
}
