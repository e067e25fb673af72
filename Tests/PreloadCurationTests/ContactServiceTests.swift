import Foundation
import PreloadCore
import PreloadState
import PreloadTesting
import Testing
@testable import PreloadCuration

/// Contact confirmation: one-time codes (128 bits, only their SHA-256 stored, 72 hours), the limits on
/// confirmation mail, and notices withheld from unconfirmed addresses.
@Suite struct ContactServiceTests {
    /// The code in a confirmation mail.
    func code(in mail: OutgoingMail?) throws -> String {
        let body = try #require(mail?.body)
        let words = body.split(whereSeparator: { " \n=".contains($0) }).map(String.init)
        return try #require(words.first { ContactService.isWellFormed($0) })
    }

    @Test func aCodeConfirmsOnceAndOnlyItsHashIsStored() async throws {
        let bed = try Bed()
        let service = bed.contactService()
        let address = try ContactAddress("owner@example.test")
        guard case .requested(let expires, .sent) = try await service.requestConfirmation(address) else {
            Issue.record("no confirmation mail")
            return
        }
        #expect(expires == t0.adding(seconds: 72 * 3600))
        let mail = await bed.notifier.sent.last
        #expect(mail?.to == "owner@example.test")
        let code = try code(in: mail)
        #expect(mail?.body.contains("https://preload.example/contacts/confirm?token=\(code)") == true)
        // Not in the state: neither the contact row nor the stored copy of the mail holds the code.
        let (row, stored) = try await bed.store.read { tx in
            (try tx.contact("owner@example.test"), try tx.notifications(domain: try DomainName("example.test")))
        }
        #expect(row?.status == .pending)
        #expect(row?.tokenHash == (try ContactService.hash(code)))
        #expect(row?.tokenHash != code)
        #expect(stored.map(\.kind) == [.contactConfirmation])
        #expect(stored.map(\.status) == [.sent])
        #expect(stored.allSatisfy { !$0.body.contains(code) })
        let dump = try String(contentsOfFile: bed.sqlite.path(SQLiteStateStore.databaseFileName), encoding: .isoLatin1)
        #expect(!dump.contains(code))

        #expect(try await service.confirm(code: "  " + code.uppercased() + "\n") == .confirmed(t0))
        #expect(try await service.confirm(code: code) == .invalid, "a code works once")
        let confirmed = try await bed.store.read { try $0.contact("owner@example.test") }
        #expect(confirmed?.status == .confirmed && confirmed?.confirmedBy == .link && confirmed?.tokenHash == nil)
        // Confirmed: asking again sends a notice that it is (no code), under the same limits.
        let before = await bed.notifier.sent.count
        #expect(try await service.requestConfirmation(address) == .alreadyConfirmed(t0, delivery: .sent))
        let notices = await bed.notifier.sent
        #expect(notices.count == before + 1)
        #expect(notices.last?.subject.contains("confirmed already") == true)
        #expect(notices.last.map { !$0.body.contains("/contacts/confirm") } == true, "a notice carries no code")
        let mails = try await bed.store.read { try $0.confirmationMails(address: "owner@example.test", since: t0.adding(days: -1)) }
        #expect(mails == 2, "the notice counts against the address's daily limit")
    }

    @Test(arguments: Backend.allCases) func codesExpireAfter72HoursAndANewOneReplacesTheOld(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        let service = bed.contactService()
        let address = try ContactAddress("late@example.test")
        _ = try await service.requestConfirmation(address)
        let first = try code(in: await bed.notifier.sent.last)
        _ = try await service.requestConfirmation(address)
        let second = try code(in: await bed.notifier.sent.last)
        #expect(first != second)
        #expect(try await service.confirm(code: first) == .invalid, "a newer code replaced it")
        bed.clock.advance(72 * 3600)
        #expect(try await service.confirm(code: second) == .expired)
        #expect(try await bed.store.read { try $0.contact("late@example.test")?.status } == .pending)
        for text in ["", "xyz", String(repeating: "g", count: 32), String(repeating: "a", count: 33)] {
            #expect(try await service.confirm(code: text) == .invalid)
        }
    }

    @Test(arguments: Backend.allCases) func confirmationMailIsLimitedPerAddressAndPerDomain(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        let service = bed.contactService()
        let one = try ContactAddress("one@limit.test")
        for _ in 0..<3 { _ = try await service.requestConfirmation(one) }
        await #expect(throws: CurationError.self) { try await service.requestConfirmation(one) }
        for i in 0..<17 { _ = try await service.requestConfirmation(try ContactAddress("u\(i)@limit.test")) }
        // 20 mails to limit.test today: the domain is closed, another domain is not.
        await #expect(throws: CurationError.self) { try await service.requestConfirmation(try ContactAddress("new@limit.test")) }
        _ = try await service.requestConfirmation(try ContactAddress("new@other.test"))
        #expect(await bed.notifier.sent.count == 21)
        // A day later the address may ask again.
        bed.clock.advance(24 * 3600 + 1)
        _ = try await service.requestConfirmation(one)
        #expect(await bed.notifier.sent.count == 22)
    }

    @Test(arguments: Backend.allCases) func withoutARelayTheMailIsRecordedAndAFailedRelayIsReported(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        guard case .requested(_, .recorded) = try await bed.contactService(notify: false)
            .requestConfirmation(try ContactAddress("a@example.test")) else {
            Issue.record("not recorded")
            return
        }
        await bed.notifier.setFailing(true)
        guard case .requested(_, .failed) = try await bed.contactService().requestConfirmation(try ContactAddress("b@example.test")) else {
            Issue.record("a failed relay must be reported")
            return
        }
        let rows = try await bed.store.read { try $0.notifications(domain: try DomainName("example.test")) }
        #expect(rows.map(\.status) == [.recorded, .failed])
        // Never sent again from the queue (its code is not stored).
        let tally = try await NotificationOutbox.deliver(store: bed.store, notifier: bed.notifier, now: t0)
        #expect(tally.failed == 0 && tally.sent == 0)
    }

    @Test(arguments: Backend.allCases) func noticesToAnUnconfirmedContactAreWithheldUntilItConfirms(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("web.test")
        // Submitted through a service: the contact has not confirmed.
        try await bed.admit("web.test", contact: "owner@web.test", contactConfirmed: false)
        var summary = try await bed.validateAll().run()
        #expect(summary.notifications.withheld == 1)
        #expect(summary.notifications.sent == 0)
        #expect(await bed.notifier.sent.isEmpty)
        let rows = try await bed.store.read { try $0.notifications(domain: try DomainName("web.test")) }
        #expect(rows.map(\.status) == [.withheld])

        // Confirmed: the next notice goes out.
        let service = bed.contactService()
        _ = try await service.requestConfirmation(try ContactAddress("owner@web.test"))
        #expect(try await service.confirm(code: try code(in: await bed.notifier.sent.last)) == .confirmed(bed.clock.now()))
        bed.world.setSMTP("web.test", FakeWorld.expiredTLS("mx1.web.test", bed.clock.now()))
        bed.clock.advance(days: 1)
        summary = try await bed.validateAll().run()
        #expect(summary.notifications.sent == 1 && summary.notifications.withheld == 0)
        #expect(await bed.notifier.sent.last?.subject.contains("web.test") == true)
    }

    @Test(arguments: Backend.allCases) func theLocalCommandLinesContactCountsAsConfirmed(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("cli.test")
        try await bed.admit("cli.test", contact: "ops@cli.test")
        let row = try await bed.store.read { try $0.contact("ops@cli.test") }
        #expect(row?.status == .confirmed && row?.confirmedBy == .local)
        let summary = try await bed.validateAll().run()
        #expect(summary.notifications.sent == 1 && summary.notifications.withheld == 0)
    }

    @Test func anOlderRunSummaryWithoutWithheldStillReads() throws {
        let json = #"{"sent":1,"recorded":2,"failed":3,"retrying":4}"#
        let tally = try JSONDecoder().decode(DeliveryTally.self, from: Data(json.utf8))
        #expect(tally.withheld == 0 && tally.retrying == 4)
    }

    /// A state written before contact confirmation (only `v1-initial` applied, schema version 1) gains the
    /// contact tables on open and keeps its rows; the events of the audit log page by key.
    @Test func aVersion1StateIsMigratedAndKeepsItsRows() async throws {
        let bed = try Bed()
        bed.world.addGoodDomain("old.test")
        try await bed.admit("old.test")
        let file = bed.sqlite.path(SQLiteStateStore.databaseFileName)
        for sql in ["DROP TABLE contact", "DROP TABLE contact_mail",
                    "DELETE FROM grdb_migrations WHERE identifier = 'v2-contact-confirmation'", "PRAGMA user_version = 1"] {
            _ = try await sqliteQuery(file, sql)
        }
        let reopened = try SQLiteStateStore(directory: bed.sqlite.directory)
        #expect(try await reopened.appliedMigrations() == SQLiteStateStore.knownMigrations)
        #expect(SQLiteStateStore.knownMigrations.prefix(2) == ["v1-initial", "v2-contact-confirmation"])
        #expect(try await sqliteQuery(file, "PRAGMA user_version") == "\(SQLiteStateStore.schemaVersion)")
        #expect(try await reopened.read { try $0.record(try DomainName("old.test"))?.state } == .probation)
        #expect(try await reopened.read { try $0.contact("postmaster@example.test") } == nil,
                "contacts of a version-1 state are not confirmed (their notices wait for a confirmation)")
    }

    @Test(arguments: Backend.allCases) func eventPagesByKeyHoldEveryEventOnce(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        for i in 0..<7 {
            bed.world.addGoodDomain("p\(i).test")
            try await bed.admit("p\(i).test")
        }
        let all = try await bed.store.read { try $0.events(domain: nil, limit: nil) }.compactMap(\.id)
        #expect(all.count == 14)
        for size in [1, 3, 14, 20] {
            var seen: [Int64] = []
            var after: Int64 = 0
            while true {
                let page = try await bed.statusService().events(domain: nil, after: after, limit: size)
                seen += page.map(\.id)
                guard page.count == size, let last = page.last?.id else { break }
                after = last
            }
            #expect(seen == all, "page size \(size)")
        }
        let one = try await bed.statusService().events(domain: try DomainName("p3.test"), after: 0, limit: 10)
        #expect(one.map(\.domain) == ["p3.test", "p3.test"])
    }
}
