import PreloadCore
import PreloadMail

/// Sends notifications through an SMTP relay with libcurl (``SMTPMailer``: STARTTLS when the relay offers
/// it, the relay's certificate verified whenever TLS is used).
public struct SMTPNotifier: Notifier {
    /// The relay.
    public let mailer: SMTPMailer
    /// The sender address (envelope and `From:`).
    public let from: ContactAddress
    /// Dates the `Date:` header.
    public let clock: any TimeSource

    /// A notifier sending from `from` through `mailer`.
    public init(mailer: SMTPMailer, from: ContactAddress, clock: any TimeSource) {
        self.mailer = mailer
        self.from = from
        self.clock = clock
    }

    /// Sends one message; throws the relay's refusal or the transport failure.
    public func send(_ mail: OutgoingMail) async throws {
        let recipient = try ContactAddress(mail.to)
        var random = SystemRandomNumberGenerator()
        let id = String(random.next() as UInt64, radix: 36) + "." + String(clock.now().secondsSince1970)
        let host = from.value.split(separator: "@").last.map(String.init) ?? "localhost"
        let message = MailMessage.render(from: from.value, to: recipient.value, subject: mail.subject, body: mail.body,
                                         date: clock.now(), messageID: "\(id)@\(host)")
        try await mailer.send(from: from.value, to: [recipient.value], message: message)
    }
}
