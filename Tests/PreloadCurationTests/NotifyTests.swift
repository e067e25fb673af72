import Foundation
import PreloadCore
import Testing
@testable import PreloadCuration

@Suite struct ContactAddressTests {
    @Test(arguments: ["postmaster@example.test", "a.b+tag@Mail.Example.TEST", "x!#$%&'*+-/=?^_`{|}~@e.test"])
    func accepted(_ text: String) throws {
        let c = try ContactAddress(text)
        #expect(c.value.hasSuffix(text.split(separator: "@").last!.lowercased()))
    }

    @Test(arguments: ["", "nobody", "@example.test", "a@", "a@b", "a..b@example.test", ".a@example.test",
                      "a b@example.test", "a@example.test\r\nBcc: x@evil.test", "\"q\"@example.test", "<a@example.test>",
                      "a@ex ample.test", "ü@example.test", String(repeating: "a", count: 65) + "@example.test"])
    func refused(_ text: String) {
        #expect(throws: ContactAddressError.self) { try ContactAddress(text) }
    }
}

@Suite struct MailMessageTests {
    @Test func datesAreRFC5322() {
        #expect(MailMessage.rfc5322Date(t0) == "Tue, 01 Dec 2026 00:00:00 +0000")
        #expect(MailMessage.rfc5322Date(Timestamp(secondsSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailMessage.rfc5322Date(Timestamp(rfc3339: "2024-02-29T23:59:59Z")!) == "Thu, 29 Feb 2024 23:59:59 +0000")
    }

    @Test func messagesUseCRLFAndKeepHeadersOnOneLine() {
        let bytes = MailMessage.render(from: "preload@list.test", to: "a@example.test", subject: "hi\r\nBcc: x@evil.test",
                                       body: "one\ntwo\r\nthree\n", date: t0, messageID: "1@list.test")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Subject: hiBcc: x@evil.test\r\n"))
        #expect(!text.contains("\r\nBcc:"))
        #expect(text.hasSuffix("\r\n\r\none\r\ntwo\r\nthree\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.hasPrefix("From: preload@list.test\r\nTo: a@example.test\r\n"))
    }

    @Test func notificationTextsNameTheDomainAndTheNextStep() {
        for kind in NotificationKind.allCases where kind != .contactConfirmation {  // ContactService writes that one
            let mail = NotificationComposer.compose(kind, record: record(.listed), detail: "failed: tls.cert-expired",
                                                    now: t0, policy: .defaults)
            #expect(mail.subject.contains("example.test"))
            #expect(mail.body.contains("Next: "))
        }
        let failing = NotificationComposer.compose(.failing, record: record(.failing), detail: "failed: tls.cert-expired",
                                                   now: t0, policy: .defaults)
        #expect(failing.body.contains("tls.cert-expired"))
        #expect(failing.body.contains("2026-12-08"))
    }
}
