import Foundation
import PreloadCore
import PreloadCuration
import PreloadMail
import PreloadTesting
import Testing

/// Curation notifications delivered by the test bed's receiving Postfix (`notify.test`) into its mailbox.
@Suite struct CurationNotifierTests {
    @Test func aLifecycleNotificationReachesTheContactsMailbox() async throws {
        let bed = try await NetTestBed.shared
        let mx = try #require(try bed.domain(bed.notifyDomain).mx.first)
        let address = try #require(mx.addresses.first)
        let mailer = SMTPMailer(host: mx.host, port: bed.smtpPort, requireTLS: true, caFile: bed.caFile, timeout: 10,
                                address: address, ehloName: "curation.preload.invalid")
        let notifier = SMTPNotifier(mailer: mailer, from: try ContactAddress("preload@preload.invalid"),
                                    clock: FixedTime(Timestamp(rfc3339: "2026-12-01T00:00:00Z")!))
        let token = "curation-\(UInt64.random(in: 0...UInt64.max))"
        try await notifier.send(OutgoingMail(to: "owner@\(bed.notifyDomain)", subject: "[preload] \(token) is listed",
                                             body: "State: listed.\nNext: stays listed while validations pass.\n"))
        let text = try #require(try await bed.waitForMail(containing: token))
        #expect(text.contains("Date: Tue, 01 Dec 2026 00:00:00 +0000"))
        #expect(text.contains("Auto-Submitted: auto-generated"))
        #expect(text.contains("Next: stays listed while validations pass."))
    }
}
