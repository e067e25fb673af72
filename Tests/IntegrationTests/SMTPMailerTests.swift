import Foundation
import PreloadMail
import PreloadTesting
import Testing
import PreloadCore

/// The notification mailer against the test bed's receiving Postfix (`notify.test`).
@Suite struct SMTPMailerTests {
    @Test func deliversOverSTARTTLS() async throws {
        let bed = try await NetTestBed.shared
        let mx = try #require(try bed.domain(bed.notifyDomain).mx.first)
        let address = try #require(mx.addresses.first)
        let token = "preload-\(UInt64.random(in: 0...UInt64.max))"
        let message = """
            From: checker@preload.invalid\r
            To: owner@\(bed.notifyDomain)\r
            Subject: \(token)\r
            \r
            The preload checker says hello.\r

            """
        let mailer = SMTPMailer(host: mx.host, port: bed.smtpPort, requireTLS: true, caFile: bed.caFile, timeout: 10,
                                address: address, ehloName: "checker.preload.invalid")
        try await mailer.send(from: "checker@preload.invalid", to: ["owner@\(bed.notifyDomain)"],
                              message: Array(message.utf8))
        #expect(try await bed.waitForMail(containing: token) != nil)
    }

    @Test func refusedRelayIsAnError() async throws {
        let bed = try await NetTestBed.shared
        let (host, address) = try bed.mxAddress("unreachable.test")
        let mailer = SMTPMailer(host: host, port: bed.smtpPort, caFile: bed.caFile, timeout: 5, address: address)
        await #expect(throws: TransferError.self) {
            try await mailer.send(from: "a@preload.invalid", to: ["b@unreachable.test"], message: Array("x\r\n".utf8))
        }
    }
}
