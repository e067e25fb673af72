import Foundation
import PreloadChecker
import PreloadCore
import PreloadCuration

/// Submissions, confirmations, status, removals and the audit log.
extension PreloadAPI {
    typealias SubmissionBody = RequestBodies.Submission
    typealias DomainBody = RequestBodies.Domain

    struct ChallengeBody: Codable {
        var name: String
        var type = "TXT"
        var value: String
    }

    /// `202` for a submission or removal request: the challenge to publish.
    struct PendingBody: Codable {
        var domain: String
        /// `pending` (a submission: the lifecycle state `pending-verification`) or the domain's state (removal).
        var state: String
        var challenge: ChallengeBody
        var expiresAt: Timestamp
        /// The same challenge was issued before and is still open.
        var renewed: Bool?
    }

    /// `200` when a challenge was proven.
    struct DoneBody: Codable {
        var domain: String
        var state: String
        var since: Timestamp
        var next: Forecast?
    }

    /// A pending submission's state as the API shows it (the state and the command line say
    /// `pending-verification`).
    static let submissionState = "pending"

    /// A submission request as the curation service takes it (422 for an invalid contact, mode or pattern).
    func submitRequest(domain name: DomainName, contact: String, mode: String?, mx: [String]) throws -> SubmitRequest {
        let address: ContactAddress
        do { address = try ContactAddress(contact) } catch {
            throw Problem(.unprocessableEntity, code: "contact.invalid", "The contact address is not valid: \(error).")
        }
        var listMode: ListMode? = nil
        if let mode, !mode.isEmpty {
            guard let m = ListMode(rawValue: mode) else {
                throw Problem(.unprocessableEntity, code: "request.invalid-mode", "mode must be enforce or testing, not '\(mode.prefix(40))'.")
            }
            listMode = m
        }
        var patterns: [MXPattern] = []
        for p in mx where !p.trimmingCharacters(in: .whitespaces).isEmpty {
            do { patterns.append(try MXPattern(p.trimmingCharacters(in: .whitespaces))) } catch {
                throw Problem(.unprocessableEntity, code: "mx.invalid", "'\(p.prefix(300))' is not an MX pattern: \(error).")
            }
        }
        return SubmitRequest(domain: name, contact: address, mode: listMode, patterns: patterns)
    }

    /// Runs a submission attempt through the check gate (it runs the checker).
    func runSubmission(_ request: SubmitRequest) async throws -> SubmitOutcome {
        defer { statusCache.invalidate() }
        let service = SubmitService(store: configuration.store, checker: configuration.checker, clock: configuration.clock,
                                    policy: configuration.policy)
        let outcome = await gate.run { () -> Result<SubmitOutcome, any Error> in
            do { return .success(try await service.submit(request)) } catch { return .failure(error) }
        }
        guard let outcome else { throw Self.busy }
        do {
            let result = try outcome.get()
            if case .challengeIssued = result { await requestConfirmationIfNew(request.contact) }
            return result
        } catch {
            if case CurationError.rateLimited = error { metrics.submission("rate-limited") } else { metrics.submission("error") }
            throw error
        }
    }

    func submit(_ request: ServiceRequest) async throws -> ServiceResponse {
        let body = try decode(SubmissionBody.self, request)
        let name = try domain(body.domain)
        let submission = try submitRequest(domain: name, contact: body.contact, mode: body.mode, mx: body.mx ?? [])
        try limit(writeLimiter, clientAddress(request), "submissions and removals from this address")
        try limit(submissionLimiter, name.value, "submissions of \(name.value)")
        return try await submissionResponse(try await runSubmission(submission), domain: name)
    }

    func confirmSubmission(_ request: ServiceRequest, _ domainText: String) async throws -> ServiceResponse {
        let name = try domain(domainText)
        try limit(writeLimiter, clientAddress(request), "submissions and removals from this address")
        try limit(submissionLimiter, name.value, "submissions of \(name.value)")
        // The terms come from the pending submission itself.
        let (record, row) = try await configuration.store.read { tx in
            (try tx.record(name), try tx.openChallenge(domain: name, purpose: .submit))
        }
        guard let record, record.state == .pendingVerification, let row, let contact = row.contact else {
            metrics.submission("not-pending")
            throw Problem(.conflict, code: "submission.not-pending",
                          "\(name.value) has no pending submission (it is \(record?.state.rawValue ?? "unknown")); submit it first.")
        }
        let patterns = row.provenance == .manual ? (row.patterns ?? []) : []
        let submission = SubmitRequest(domain: name, contact: try ContactAddress(contact), mode: row.requestedMode,
                                       patterns: patterns)
        let outcome = try await runSubmission(submission)
        switch outcome {
        case .challengeIssued(let c, _, _, _), .awaitingChallenge(let c, _, _, _):
            let failed: Bool
            if case .awaitingChallenge(_, _, _, let lookupFailed) = outcome { failed = lookupFailed } else { failed = false }
            metrics.submission("awaiting-challenge")
            throw Problem(.conflict, code: failed ? "challenge.lookup-failed" : "challenge.not-published",
                          (failed ? "The lookup of \(Challenge.recordName(for: name)) failed; try again later. "
                                  : "The challenge record is not published yet. ")
                          + "Publish \(c.zoneLine(for: name)) and confirm again before \(c.expires.rfc3339).")
        default:
            return try await submissionResponse(outcome, domain: name)
        }
    }

    func submissionResponse(_ outcome: SubmitOutcome, domain name: DomainName) async throws -> ServiceResponse {
        switch outcome {
        case .ineligible(let report):
            metrics.submission("ineligible")
            throw Problem(.unprocessableEntity, code: "domain.ineligible",
                          "\(name.value) is not eligible; nothing was queued. Fix the errors and submit again.",
                          findings: Self.findings(report.issues))
        case .patternsUncovered(_, let hosts):
            metrics.submission("patterns-uncovered")
            throw Problem(.unprocessableEntity, code: CurationIssues.mxUncovered.rawValue,
                          "The mx patterns do not cover these MX hosts: \(hosts.map(\.value).joined(separator: ", ")). Nothing was queued.")
        case .alreadyActive(let r):
            metrics.submission("already-active")
            throw Problem(.conflict, code: "submission.already-active",
                          "\(name.value) is already \(r.state.rawValue) (since \(r.since.rfc3339)); nothing changed.")
        case .challengeIssued(let c, let r, _, let renewed):
            metrics.submission("challenge-issued")
            return .json(PendingBody(domain: name.value, state: Self.submissionState,
                                     challenge: ChallengeBody(name: Challenge.recordName(for: name), value: c.recordValue),
                                     expiresAt: c.expires, renewed: renewed ? true : nil), status: .accepted)
        case .awaitingChallenge(let c, let r, _, _):
            metrics.submission("awaiting-challenge")
            return .json(PendingBody(domain: name.value, state: Self.submissionState,
                                     challenge: ChallengeBody(name: Challenge.recordName(for: name), value: c.recordValue),
                                     expiresAt: c.expires, renewed: true), status: .accepted)
        case .verified(let r, _):
            metrics.submission("verified")
            return .json(DoneBody(domain: name.value, state: r.state.rawValue, since: r.since,
                                  next: Forecast.of(r, challenge: nil, now: r.since, policy: configuration.policy)))
        }
    }

    // MARK: Status

    /// Validations shown when the request does not say (`?validations=`).
    static let defaultValidations = 5

    func status(_ request: ServiceRequest, _ domainText: String) async throws -> ServiceResponse {
        let name = try domain(domainText)
        try limit(readLimiter, clientAddress(request), "requests from this address")
        let limit = min(50, max(0, Int(request.query["validations"] ?? "") ?? Self.defaultValidations))
        // Keyed by the name as asked (the hot path looks it up before normalising anything).
        let key = StatusKey(domain: domainText, validations: limit)
        let clock = configuration.clock
        if let cached = statusCache.get(key, now: clock.now().secondsSince1970) { return cached }
        // The generation and the time are taken before the state is read (see StatusCache).
        let generation = statusCache.generation
        let now = clock.now()
        // A GET never changes state: no challenge is expired here (validate-all and the POSTs do that).
        let service = StatusService(store: configuration.store, clock: clock, policy: configuration.policy)
        let status = try await service.status(of: name, validations: limit, expiring: false)
        let response = ServiceResponse.json(status)
        statusCache.put(key, response, generation: generation, validUntil: StatusCache.validUntil(status, now: now))
        return response
    }

    // MARK: Removals

    func remove(_ request: ServiceRequest) async throws -> ServiceResponse {
        let body = try decode(DomainBody.self, request)
        let name = try domain(body.domain)
        return try await removal(request, name, confirming: false)
    }

    func confirmRemoval(_ request: ServiceRequest, _ domainText: String) async throws -> ServiceResponse {
        try await removal(request, try domain(domainText), confirming: true)
    }

    func removal(_ request: ServiceRequest, _ name: DomainName, confirming: Bool) async throws -> ServiceResponse {
        try limit(writeLimiter, clientAddress(request), "submissions and removals from this address")
        try limit(removalLimiter, name.value, "removal requests for \(name.value)")
        if confirming {
            let open = try await configuration.store.read { try $0.openChallenge(domain: name, purpose: .remove) }
            guard open != nil else {
                metrics.removal("not-active")
                throw Problem(.conflict, code: "removal.not-requested",
                              "No removal of \(name.value) was requested; request one first.")
            }
        }
        let service = RemovalService(store: configuration.store, dns: configuration.checker.dns, clock: configuration.clock,
                                     policy: configuration.policy)
        defer { statusCache.invalidate() }
        let outcome: RemovalOutcome
        do {
            outcome = try await service.requestRemoval(of: name)
        } catch let refusal as LifecycleRefusal {
            metrics.removal("not-active")
            throw Problem(.conflict, code: "removal.not-active", "Nothing to remove: \(refusal).")
        } catch {
            if case CurationError.rateLimited = error { metrics.removal("rate-limited") } else { metrics.removal("error") }
            throw error
        }
        switch outcome {
        case .challengeIssued(let c, let r, _), .awaitingChallenge(let c, let r, _):
            var renewed = false
            if case .awaitingChallenge = outcome { renewed = true }
            if case .challengeIssued(_, _, true) = outcome { renewed = true }
            if confirming {
                metrics.removal("awaiting-challenge")
                throw Problem(.conflict, code: "challenge.not-published",
                              "The removal record is not published yet. Publish \(c.zoneLine(for: name)) and confirm again before \(c.expires.rfc3339).")
            }
            metrics.removal(renewed ? "awaiting-challenge" : "challenge-issued")
            return .json(PendingBody(domain: name.value, state: r.state.rawValue,
                                     challenge: ChallengeBody(name: Challenge.recordName(for: name), value: c.recordValue),
                                     expiresAt: c.expires, renewed: renewed ? true : nil), status: .accepted)
        case .accepted(let r), .alreadyRequested(let r), .forced(let r):
            if case .alreadyRequested = outcome { metrics.removal("already-requested") } else { metrics.removal("accepted") }
            return .json(DoneBody(domain: name.value, state: r.state.rawValue, since: r.since, next: nil))
        }
    }

    // MARK: Events

    /// An audit event as published: the notification's recipient (a contact address) is left out.
    struct EventBody: Codable {
        var id: Int64
        var time: Timestamp
        var domain: String
        var from: String?
        var to: String
        var reason: String
        var detail: String
        var actor: String
        var notification: NoticeBody?
    }
    struct NoticeBody: Codable {
        var kind: String
        var status: String
    }

    struct EventsBody: Codable {
        var events: [EventBody]
        /// Pass as `after` for the next page; absent on the last page.
        var next: Int64?
    }

    /// `text` with every word that holds an `@` replaced by `[contact]`: audit details name the contact
    /// ("submitted by a@b: ..."), which the public API does not publish.
    static func withoutContacts(_ text: String) -> String {
        guard text.contains("@") else { return text }
        return text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.contains("@") ? ($0.hasSuffix(":") ? "[contact]:" : "[contact]") : String($0) }
            .joined(separator: " ")
    }

    func events(_ request: ServiceRequest) async throws -> ServiceResponse {
        try limit(readLimiter, clientAddress(request), "requests from this address")
        var name: DomainName? = nil
        if let text = request.query["domain"], !text.isEmpty { name = try domain(text) }
        guard let after = Int64(request.query["after"] ?? "0"), after >= 0 else {
            throw Problem(.badRequest, code: "request.malformed", "after must be an event id (a non-negative integer).")
        }
        guard let limit = Int(request.query["limit"] ?? "100"), (1...1000).contains(limit) else {
            throw Problem(.badRequest, code: "request.malformed", "limit must be between 1 and 1000.")
        }
        // Keyset paging: one more than the page tells whether there is a next page.
        let page = try await StatusService(store: configuration.store, clock: configuration.clock)
            .events(domain: name, after: after, limit: limit + 1)
        let events = page.prefix(limit).map { e in
            EventBody(id: e.id, time: e.time, domain: e.domain, from: e.from, to: e.to, reason: e.reason,
                      detail: Self.withoutContacts(e.detail),
                      actor: e.actor, notification: e.notification.map { NoticeBody(kind: $0.kind, status: $0.status) })
        }
        return .json(EventsBody(events: events, next: page.count > limit ? events.last?.id : nil))
    }
}

