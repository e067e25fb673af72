import Foundation
import NIOHTTP1
import PreloadCore
import PreloadCuration

/// Contact confirmation: `POST /api/v1/contacts` mails a one-time code (a link) to an address, `POST
/// /api/v1/contacts/confirm` takes it back. Until then the address gets no other mail. The address is
/// never echoed, logged or published.
extension PreloadAPI {
    typealias ContactBody = RequestBodies.Contact
    typealias CodeBody = RequestBodies.Code

    /// The answer to a confirmation request or a confirmation.
    struct ContactStateBody: Codable {
        /// `confirmation-sent` (mailed), `confirmation-recorded` (no relay: recorded only) or `confirmed`.
        var state: String
        /// When the address was confirmed (the answer to a confirmation only).
        var confirmedAt: Timestamp?
    }

    var contactService: ContactService {
        ContactService(store: configuration.store, notifier: configuration.notifier, clock: configuration.clock,
                       limits: configuration.contactLimits, publicURL: configuration.publicURL)
    }

    /// A contact address from a request (422 `contact.invalid`).
    func contactAddress(_ text: String) throws -> ContactAddress {
        do { return try ContactAddress(text) } catch {
            throw Problem(.unprocessableEntity, code: "contact.invalid", "The contact address is not valid: \(error).")
        }
    }

    /// Mails a confirmation code to `address` (a confirmed address gets a notice instead): 202 either way,
    /// with the same body, so that the answer (and the public metrics) never tell whether an address is a
    /// confirmed contact here.
    func contactConfirmationResponse(_ address: ContactAddress) async throws -> ServiceResponse {
        let delivery: NotificationStatus
        switch try await contactService.requestConfirmation(address) {
        case .alreadyConfirmed(_, let status): delivery = status
        case .requested(_, let status): delivery = status
        }
        guard delivery != .failed else {
            metrics.contact("mail-failed")
            throw Problem(.serviceUnavailable, code: "contact.mail-failed",
                          "The confirmation mail could not be handed to the relay; try again later.",
                          headers: [("Retry-After", "300")])
        }
        metrics.contact(delivery == .sent ? "confirmation-sent" : "confirmation-recorded")
        return .json(ContactStateBody(state: delivery == .sent ? "confirmation-sent" : "confirmation-recorded"),
                     status: .accepted)
    }

    func requestContactConfirmation(_ request: ServiceRequest) async throws -> ServiceResponse {
        let body = try decode(ContactBody.self, request)
        let address = try contactAddress(body.contact)
        try limit(writeLimiter, clientAddress(request), "submissions, removals and contact requests from this address")
        do {
            return try await contactConfirmationResponse(address)
        } catch CurationError.rateLimited(let what, let after) {
            metrics.contact("rate-limited")
            throw Self.problem(for: CurationError.rateLimited(what, retryAfter: after))
        }
    }

    /// Confirms the address whose code is `code`.
    func confirmContactCode(_ code: String) async throws -> ContactStateBody {
        switch try await contactService.confirm(code: code) {
        case .confirmed(let at):
            metrics.contact("confirmed")
            return ContactStateBody(state: "confirmed", confirmedAt: at)
        case .invalid:
            metrics.contact("code-invalid")
            throw Problem(.unprocessableEntity, code: "contact.token-invalid",
                          "This confirmation code is not open: it was never issued, was used, or a newer one replaced it.")
        case .expired:
            metrics.contact("code-expired")
            throw Problem(.unprocessableEntity, code: "contact.token-expired",
                          "This confirmation code has expired; ask for a new one.")
        }
    }

    func confirmContact(_ request: ServiceRequest) async throws -> ServiceResponse {
        let body = try decode(CodeBody.self, request)
        try limit(writeLimiter, clientAddress(request), "submissions, removals and contact requests from this address")
        return .json(try await confirmContactCode(body.token))
    }

    /// After a new submission: a contact never asked before gets its confirmation mail (best effort: a
    /// refused or failed request leaves the submission as it is; `POST /api/v1/contacts` asks again).
    func requestConfirmationIfNew(_ address: ContactAddress) async {
        let known = (try? await configuration.store.read { try $0.contact(address.value) }) ?? nil
        guard known == nil else { return }
        if case .requested(_, let delivery)? = try? await contactService.requestConfirmation(address) {
            metrics.contact(delivery == .sent ? "confirmation-sent" : delivery == .failed ? "mail-failed" : "confirmation-recorded")
        }
    }
}
