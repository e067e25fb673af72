import Foundation
import PreloadCore
import PreloadSigning

/// Limits on confirmation mail, so that the service cannot be used to mail strangers.
public struct ContactLimits: Sendable, Hashable {
    /// Confirmation mails per address per 24 hours.
    public var mailsPerAddressPerDay: Int
    /// Confirmation mails per address domain (the part after the `@`) per 24 hours.
    public var mailsPerDomainPerDay: Int
    /// How long a confirmation code is accepted, seconds.
    public var codeValidity: Int64

    /// 3 per address and 20 per domain a day; a code is good for 72 hours.
    public static let defaults = ContactLimits(mailsPerAddressPerDay: 3, mailsPerDomainPerDay: 20, codeValidity: 72 * 3600)

    /// Creates a value; see the properties.
    public init(mailsPerAddressPerDay: Int, mailsPerDomainPerDay: Int, codeValidity: Int64) {
        self.mailsPerAddressPerDay = mailsPerAddressPerDay
        self.mailsPerDomainPerDay = mailsPerDomainPerDay
        self.codeValidity = codeValidity
    }
}

/// What asking for a confirmation did.
public enum ContactRequestOutcome: Sendable, Hashable {
    /// The address is confirmed already (since the timestamp): a short notice saying so was handed to the
    /// notifier (`delivery` as for a code), under the same limits, so that an answer never tells a stranger
    /// whether an address is a confirmed contact here.
    case alreadyConfirmed(Timestamp, delivery: NotificationStatus)
    /// A new code was made and its mail handed to the notifier (`sent`), recorded only (no relay:
    /// `recorded`), or refused by the relay (`failed`); the code is accepted until `expires`.
    case requested(expires: Timestamp, delivery: NotificationStatus)
}

/// What presenting a confirmation code did.
public enum ContactConfirmOutcome: Sendable, Hashable {
    /// The address is confirmed (now, or when it was first confirmed with this code).
    case confirmed(Timestamp)
    /// No open code is this one (never issued, used, or replaced by a newer one).
    case invalid
    /// The code was issued but is past its validity; ask for a new one.
    case expired
}

/// Contact confirmation: a contact address gets a one-time code (a link) first and, until it is confirmed,
/// no other mail (``NotificationOutbox`` withholds it). Codes are 128 bits from the system's CSPRNG; only
/// their SHA-256 is stored, and the stored copy of the mail has the code blanked out. Confirmation mails are
/// limited per address and per address domain (``ContactLimits``). Addresses are never logged.
public struct ContactService: Sendable {
    /// The state.
    public let store: any CurationStore
    /// `nil`: the mail is only recorded (and the code is then lost: nobody can confirm).
    public let notifier: (any Notifier)?
    /// The one clock.
    public let clock: any TimeSource
    /// The limits.
    public let limits: ContactLimits
    /// The service's public base URL (the link in the mail), without a trailing slash.
    public let publicURL: String?

    /// Creates a value; see the properties.
    public init(store: any CurationStore, notifier: (any Notifier)?, clock: any TimeSource,
                limits: ContactLimits = .defaults, publicURL: String? = nil) {
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.limits = limits
        self.publicURL = publicURL
    }

    /// Mails a new confirmation code to `address` (replacing an open one); a confirmed address gets a notice
    /// that it is confirmed instead. Both count against the same limits: throws
    /// ``CurationError/rateLimited(_:retryAfter:)`` past them, before anything is sent.
    public func requestConfirmation(_ address: ContactAddress) async throws -> ContactRequestOutcome {
        let now = clock.now()
        let code = Self.newCode()
        let hash = try Self.hash(code)
        let limits = self.limits
        let addressDomain = try Self.domainPart(address)
        let expires = now.adding(seconds: limits.codeValidity)
        let confirmedAt = try await store.write { tx -> Timestamp? in
            let existing = try tx.contact(address.value)
            let dayAgo = now.adding(days: -1)
            let toAddress = try tx.confirmationMails(address: address.value, since: dayAgo)
            guard toAddress < limits.mailsPerAddressPerDay else {
                throw CurationError.rateLimited("\(toAddress) confirmation mails to this address in the last 24 hours",
                                                retryAfter: now.adding(days: 1))
            }
            let toDomain = try tx.confirmationMails(addressDomain: addressDomain.value, since: dayAgo)
            guard toDomain < limits.mailsPerDomainPerDay else {
                throw CurationError.rateLimited("\(toDomain) confirmation mails to addresses at \(addressDomain.value) in the last 24 hours",
                                                retryAfter: now.adding(days: 1))
            }
            try tx.recordConfirmationMail(address: address.value, addressDomain: addressDomain.value, time: now)
            if let existing, existing.status == .confirmed { return existing.confirmedAt ?? now }
            var row = existing ?? ContactRow(address: address.value, status: .pending)
            row.status = .pending
            row.tokenHash = hash
            row.tokenExpires = expires
            row.requested = now
            try tx.save(row)
            return nil
        }
        let mail = confirmedAt == nil ? Self.compose(code: code, expires: expires, publicURL: publicURL)
            : Self.composeConfirmedNotice()
        var status = NotificationStatus.recorded
        var lastError: String? = nil
        if let notifier {
            do {
                try await notifier.send(OutgoingMail(to: address.value, subject: mail.subject, body: mail.body))
                status = .sent
            } catch {
                status = .failed
                lastError = "\(error)"
            }
        }
        // The stored copy: the code blanked out (only its hash is kept).
        let stored = NotificationRow(auditEventId: nil, domain: addressDomain, kind: .contactConfirmation,
                                     recipient: address.value, subject: mail.subject,
                                     body: mail.body.replacingOccurrences(of: code, with: "[code not stored]"),
                                     created: now, status: status, attempts: notifier == nil ? 0 : 1,
                                     lastError: lastError, sentAt: status == .sent ? now : nil)
        try await store.write { try $0.insert(stored) }
        if let confirmedAt { return .alreadyConfirmed(confirmedAt, delivery: status) }
        return .requested(expires: expires, delivery: status)
    }

    /// Confirms the address whose open code is `code` (surrounding white space ignored; hex digits in any
    /// case). A code works once.
    public func confirm(code text: String) async throws -> ContactConfirmOutcome {
        let code = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard Self.isWellFormed(code) else { return .invalid }
        let hash = try Self.hash(code)
        let now = clock.now()
        return try await store.write { tx -> ContactConfirmOutcome in
            guard var row = try tx.contact(tokenHash: hash) else { return .invalid }
            guard let expires = row.tokenExpires, now < expires else { return .expired }
            row.status = .confirmed
            row.confirmedAt = now
            row.confirmedBy = .link
            row.tokenHash = nil
            row.tokenExpires = nil
            try tx.save(row)
            return .confirmed(now)
        }
    }

    /// A code's form: 32 lowercase hex digits (128 bits).
    public static func isWellFormed(_ code: String) -> Bool {
        code.utf8.count == 32 && code.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// 128 bits from the system's CSPRNG (`SystemRandomNumberGenerator`: getrandom), as 32 hex digits.
    static func newCode() -> String {
        var random = SystemRandomNumberGenerator()
        return [random.next() as UInt64, random.next() as UInt64].map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// SHA-256 of the code's text, as 64 lowercase hex digits: what the state keeps.
    static func hash(_ code: String) throws -> String {
        try Digest.sha256Hex(Array(code.utf8))
    }

    /// The domain part of an address (``ContactAddress`` validated it as a domain name).
    static func domainPart(_ address: ContactAddress) throws -> DomainName {
        try DomainName(String(address.value.split(separator: "@").last ?? ""))
    }

    /// Subject and body of a confirmation mail.
    /// Subject and body of the notice to an address that asked for a confirmation while confirmed already.
    static func composeConfirmedNotice() -> (subject: String, body: String) {
        let lines = [
            "Someone asked the preload list service to confirm this address as the contact of a mail domain.",
            "It is confirmed already: there is nothing to do, and it keeps getting the notices of its domains.",
            "If it was not you, ignore this mail.",
        ]
        return ("[preload] your contact address is confirmed already", lines.joined(separator: "\n") + "\n")
    }

    static func compose(code: String, expires: Timestamp, publicURL: String?) -> (subject: String, body: String) {
        var lines = [
            "Someone gave this address as the contact of a mail domain on the preload list service.",
            "Before it gets any mail about a domain, please confirm that it is yours",
        ]
        if let publicURL {
            lines += ["by opening this link and pressing Confirm:", "", "  \(publicURL)/contacts/confirm?token=\(code)", "",
                      "or by sending this code to the service's API (POST /api/v1/contacts/confirm):"]
        } else {
            lines += ["by sending this code to the service's API (POST /api/v1/contacts/confirm):"]
        }
        lines += ["", "  \(code)", "", "The code works once, until \(expires.rfc3339).",
                  "If it was not you, ignore this mail: without confirmation, this address gets no other mail from us."]
        return ("[preload] confirm your contact address", lines.joined(separator: "\n") + "\n")
    }
}

extension StateWriter {
    /// Marks `address` confirmed by the maintainer's own `preload submit` (the local command line), unless
    /// it is confirmed already.
    public func confirmContactLocally(_ address: String, now: Timestamp) throws {
        var row = try contact(address) ?? ContactRow(address: address, status: .pending)
        guard row.status != .confirmed else { return }
        row.status = .confirmed
        row.confirmedAt = now
        row.confirmedBy = .local
        row.tokenHash = nil
        row.tokenExpires = nil
        try save(row)
    }
}
