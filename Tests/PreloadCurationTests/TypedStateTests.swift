import Foundation
import PreloadCore
import PreloadState
import Testing
@testable import PreloadCuration

/// The state boundary is typed: every code goes in and comes back as its enum case, stored as its stable
/// text, and a stored value this code cannot read is a `CorruptStateError` naming table, column and value,
/// never a guess, a skipped row or a row marked done.
@Suite struct TypedStateTests {
    private func expectCorrupt(_ store: any CurationStore, _ table: String, _ column: String, _ value: String,
                               _ read: @escaping @Sendable (any StateReader) throws -> Void,
                               sourceLocation: SourceLocation = #_sourceLocation) async {
        await #expect(sourceLocation: sourceLocation) {
            try await store.read(read)
        } throws: { error in
            let e = error as? CorruptStateError
            return e?.table == table && e?.column == column && e?.value == value
        }
    }


    @Test(arguments: Backend.allCases) func everyCodeRoundTripsAsItsStableText(_ backend: Backend) async throws {
        let sut = try await StoreUnderTest.make(backend)
        let store = sut.store
        let run = try await store.write { tx in
            var run = try tx.startRun(RunRow(started: t0, pid: 7), domains: ["a.test"])
            for status in ChallengeStatus.allCases {
                for purpose in Challenge.Purpose.allCases {
                    var row = try tx.insert(ChallengeRow(domain: try DomainName("c-\(status.rawValue).test"), purpose: purpose,
                                                         token: "t", created: t0, expires: t0.adding(days: 1)))
                    row.status = status
                    try tx.update(row)
                }
            }
            for (i, reason) in TransitionReason.allCases.enumerated() {
                let actor = AuditActor.allCases[i % AuditActor.allCases.count]
                let state = LifecycleState.allCases[i % LifecycleState.allCases.count]
                let event = try tx.insert(AuditEventRow(time: t0, domain: "e.test", fromState: i == 0 ? nil : state,
                                                        toState: state, reason: reason, detail: "", actor: actor))
                for (j, status) in NotificationStatus.allCases.enumerated() {
                    let kind = NotificationKind.allCases[(i + j) % NotificationKind.allCases.count]
                    var n = try tx.insert(NotificationRow(auditEventId: event.id, domain: "e.test", kind: kind,
                                                          recipient: "x@e.test", subject: "s", body: "b", created: t0))
                    n.status = status
                    try tx.update(n)
                }
            }
            for kind in AttemptKind.allCases { try tx.recordAttempt(domain: "a.test", kind: kind, time: t0) }
            run.phase = .notifying
            run.status = .failed
            try tx.update(run)
            return run
        }
        #expect(try await store.read { try $0.run(run.id!) } == run)
        let events = try await store.read { try $0.events(domain: "e.test") }
        #expect(events.map(\.reason) == TransitionReason.allCases)
        let notes = try await store.read { try $0.notifications(domain: "e.test") }
        #expect(Set(notes.map(\.status)) == Set(NotificationStatus.allCases))
        #expect(Set(notes.map(\.kind)) == Set(NotificationKind.allCases))
        for kind in AttemptKind.allCases {
            #expect(try await store.read { try $0.attempts(domain: "a.test", kind: kind, since: t0) } == 1)
        }
        // On disk the codes are the same text as before the enums (no schema change).
        #expect(try await sut.sql("SELECT phase || ' ' || status FROM run") == "notifying failed")
        let distinct = backend == .sqlite
            ? "SELECT group_concat(DISTINCT status) FROM (SELECT status FROM challenge ORDER BY status)"
            : "SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM challenge"
        #expect(try await sut.sql(distinct) == "expired,open,superseded,used")
        #expect(try await sut.sql("SELECT actor || ' ' || reason FROM audit_event WHERE id = 2") == "validate-all resubmitted")
    }

    @Test(arguments: Backend.allCases) func aStoredRowWithAnUnknownCodeIsAnErrorNamingIt(_ backend: Backend) async throws {
        let sut = try await StoreUnderTest.make(backend)
        let store = sut.store
        try await store.write { tx in
            try tx.save(record(.listed))
            let run = try tx.startRun(RunRow(started: t0, pid: 7), domains: ["example.test"])
            let event = try tx.insert(AuditEventRow(time: t0, domain: "example.test", fromState: nil, toState: .listed,
                                                    reason: .probationPassed, detail: "", actor: .validateAll))
            try tx.insert(NotificationRow(auditEventId: event.id, domain: "example.test", kind: .listed,
                                          recipient: "x@example.test", subject: "s", body: "b", created: t0))
            try tx.insert(ChallengeRow(domain: "example.test", purpose: .remove, token: "r", created: t0,
                                       expires: t0.adding(days: 1)))
            _ = run
        }
        try await sut.sql("UPDATE audit_event SET actor = 'robot'")
        await expectCorrupt(store, "audit_event", "actor", "robot") { _ = try $0.events(domain: nil) }
        try await sut.sql("UPDATE notification SET status = 'bounced'")
        await expectCorrupt(store, "notification", "status", "bounced") { _ = try $0.notifications(domain: example) }
        // A filter on the code does not skip the row either.
        await expectCorrupt(store, "notification", "status", "bounced") { _ = try $0.notifications(status: .queued) }
        try await sut.sql("UPDATE notification SET kind = 'postcard', status = 'queued'")
        await expectCorrupt(store, "notification", "kind", "postcard") { _ = try $0.notifications(status: .queued) }
        try await sut.sql("UPDATE run SET phase = 'paused'")
        await expectCorrupt(store, "run", "phase", "paused") { _ = try $0.unfinishedRuns() }
        try await sut.sql("UPDATE run SET phase = 'validating', status = 'halted'")
        await expectCorrupt(store, "run", "status", "halted") { _ = try $0.unfinishedRuns() }
        await expectCorrupt(store, "run", "status", "halted") { _ = try $0.lastCompletedRun() }
        try await sut.sql("UPDATE challenge SET purpose = 'renew'")
        await expectCorrupt(store, "challenge", "purpose", "renew") { _ = try $0.openChallenge(domain: example, purpose: .remove) }
        await expectCorrupt(store, "challenge", "purpose", "renew") { _ = try $0.openChallenges(expiredAt: t0.adding(days: 2)) }
        try await sut.sql("UPDATE challenge SET purpose = 'remove', status = 'lost'")
        await expectCorrupt(store, "challenge", "status", "lost") { _ = try $0.openChallenges(expiredAt: t0.adding(days: 2)) }
        try await sut.sql("INSERT INTO attempt (domain, kind, time) VALUES ('example.test', 'poke', '\(t0.rfc3339)')")
        await expectCorrupt(store, "attempt", "kind", "poke") { _ = try $0.attempts(domain: example, kind: .remove, since: t0) }
        try await sut.sql("UPDATE domain SET reason = 'whim'")
        await expectCorrupt(store, "domain", "reason", "whim") { _ = try $0.record(example) }
    }

    @Test(arguments: Backend.allCases) func aStoredNameThatIsNotADomainNameIsAnError(_ backend: Backend) async throws {
        let sut = try await StoreUnderTest.make(backend)
        let store = sut.store
        try await store.write { try $0.save(record(.listed)) }
        try await sut.sql("UPDATE domain SET name = 'not a domain'")
        await expectCorrupt(store, "domain", "name", "not a domain") { _ = try $0.records() }
        try await store.write { tx in
            try tx.insert(AuditEventRow(time: t0, domain: "example.test", fromState: nil, toState: .listed,
                                        reason: .probationPassed, detail: "", actor: .validateAll))
        }
        try await sut.sql("UPDATE audit_event SET domain = '-bad-.test'")
        await expectCorrupt(store, "audit_event", "domain", "-bad-.test") { _ = try $0.events(domain: nil) }
    }

    /// A run item whose name is not a domain name used to be marked done without a word; now the run
    /// stops with an error naming it, and the item stays pending for when the state is repaired.
    @Test(arguments: Backend.allCases) func aRunItemWithABadNameStopsTheRunAndStaysPending(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("example.test")
        try await bed.store.write { try $0.save(record(.listed, terms: stsTerms)) }
        let run = try await bed.store.write { tx in
            try tx.startRun(RunRow(started: t0, pid: 999_999), domains: ["example.test"])
        }
        try await bed.sut.sql("INSERT INTO run_item (\"runId\", domain, done) VALUES (\(run.id!), 'bad..name', \(backend == .sqlite ? "0" : "FALSE"))")
        await #expect {
            _ = try await bed.validateAll().run()
        } throws: { error in
            let e = error as? CorruptStateError
            return e?.table == "run_item" && e?.column == "domain" && e?.value == "bad..name"
        }
        #expect(try await bed.sut.sql("SELECT done FROM run_item WHERE domain = 'bad..name'") == (backend == .sqlite ? "0" : "f"))
        #expect(bed.world.checked.isEmpty, "nothing was validated from a journal that cannot be read")
        #expect(try await bed.store.read { try $0.unfinishedRuns().map(\.id) } == [run.id])
    }

    /// validate-all selects the domains to validate by state: a domain whose stored state is unknown stops
    /// the run instead of being left out of it.
    @Test(arguments: Backend.allCases) func validateAllRefusesADomainInAnUnknownState(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        try await bed.store.write { try $0.save(record(.listed)) }
        try await bed.sut.sql("UPDATE domain SET state = 'frozen'")
        await #expect {
            _ = try await bed.validateAll().run()
        } throws: { error in
            let e = error as? CorruptStateError
            return e?.table == "domain" && e?.column == "state" && e?.value == "frozen"
        }
        #expect(try await bed.sut.sql("SELECT COUNT(*) FROM run") == "0")
    }
}
