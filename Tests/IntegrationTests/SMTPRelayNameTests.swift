import Foundation
import PreloadCore
import PreloadCuration
import PreloadState
import PreloadTesting
import Testing

/// `validate-all --smtp-relay ADDRESS:PORT --smtp-relay-name NAME` against the test bed's Postfix
/// (`mx.notify.test`, whose certificate names only that host): by address alone the relay's certificate
/// cannot be verified and the notification stays queued; with its TLS name it is delivered.
@Suite struct SMTPRelayNameTests {
    @Test func aRelayReachedByAddressIsVerifiedForItsName() async throws {
        let cli = try await PreloadCLI("relay-name")
        let bed = cli.bed
        let relay = try #require(try bed.domain(bed.notifyDomain).mx.first)
        let address = try #require(relay.addresses.first)
        let recipient = "relay-\(UInt64.random(in: 0...UInt64.max))@\(bed.notifyDomain)"
        // A listed domain that fails validation (no STARTTLS): the run queues a `failing` notification.
        let domain = "no-starttls.test"
        let t0 = Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970))
        let store = try SQLiteStateStore(directory: cli.state)
        var seeded = DomainRecord(domain: try DomainName(domain), state: .listed, since: t0, reason: .probationPassed,
                                  detail: "seeded by a test",
                                  terms: SubmissionTerms(contact: recipient, requestedMode: .enforce,
                                                         patterns: [try MXPattern("mx1.\(domain)")], provenance: .manual))
        (seeded.added, seeded.lastVerified, seeded.probationSince, seeded.passingValidations) = (t0, t0, t0.adding(days: -15), 4)
        let row = seeded
        // Its contact is confirmed (as the local `preload submit` would have done): notices reach it.
        try await store.write { tx in
            try tx.save(row)
            try tx.confirmContactLocally(recipient, now: t0)
        }
        let byAddress = ["--no-publish", "--timeout", PreloadCLI.stepTimeout, "--format", "json", "--mail-from", "preload@preload.invalid",
                         "--smtp-relay", "\(address):\(bed.smtpPort)"]

        let first = try await cli.run(["validate-all"] + byAddress, at: t0.adding(seconds: 60))
        #expect(first.status == 0, "\(first.stderr)")
        let tally = try JSONDecoder().decode(RunSummary.self, from: Data(first.stdout.utf8)).notifications
        #expect(tally.sent == 0 && tally.retrying == 1, "by address, the certificate for \(relay.host) must not verify")

        let second = try await cli.run(["validate-all", "--smtp-relay-name", relay.host] + byAddress, at: t0.adding(seconds: 120))
        #expect(second.status == 0, "\(second.stderr)")
        let delivered = try JSONDecoder().decode(RunSummary.self, from: Data(second.stdout.utf8)).notifications
        #expect(delivered.sent == 1 && delivered.retrying == 0)
        let mail = try await bed.waitForMail(containing: recipient)
        #expect(mail?.contains(domain) == true)
        let sent = try await store.read { try $0.notifications(domain: try DomainName(domain)) }
        #expect(sent.map(\.status) == [.sent])
        #expect(sent.first?.lastError?.isEmpty == false, "the first attempt's failure is kept")
    }

    @Test func aRelayNameNeedsARelayAndAHostName() async throws {
        let binary = try Tool.preloadBinary()
        let noRelay = try await Tool.run(binary, ["validate-all", "--no-publish", "--smtp-relay-name", "mx.notify.test"])
        #expect(noRelay.status == 64)
        let badName = try await Tool.run(binary, ["validate-all", "--no-publish", "--smtp-relay", "127.0.1.1:25",
                                                  "--smtp-relay-name", "not a name"])
        #expect(badName.status == 64)
        let badRelay = try await Tool.run(binary, ["validate-all", "--no-publish", "--smtp-relay", "::1:25"])
        #expect(badRelay.status == 64)
    }
}
