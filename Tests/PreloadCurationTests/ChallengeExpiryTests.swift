import PreloadCore
import PreloadState
import Testing
@testable import PreloadCuration

/// Pending submissions and removal challenges expire (default 14 days) with an audit event, instead of
/// staying open forever.
@Suite struct ChallengeExpiryTests {
    private func events(_ bed: Bed, _ domain: String) async throws -> [AuditEventRow] {
        let name = try DomainName(domain)
        return try await bed.store.read { try $0.events(domain: name) }
    }

    @Test(arguments: Backend.allCases) func anUnprovenSubmissionExpiresWhenValidateAllRuns(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("late.test")
        guard case .challengeIssued(let challenge, _, _, _) = try await bed.submit("late.test") else {
            return #expect(Bool(false))
        }
        #expect(challenge.expires == t0.adding(days: 14))
        // The day before it expires, nothing happens.
        bed.clock.advance(days: 13)
        _ = try await bed.validateAll().run()
        #expect(try await bed.state("late.test") == .pendingVerification)

        bed.clock.advance(days: 1)
        let summary = try await bed.validateAll().run()
        #expect(try await bed.state("late.test") == .removed)
        #expect(summary.transitions.contains {
            $0.from == "pending-verification" && $0.to == "removed" && $0.reason == "submission-expired"
                && $0.domains == ["late.test"]
        })
        let log = try await events(bed, "late.test")
        #expect(log.map(\.reason.rawValue) == ["submitted", "submission-expired"])
        #expect(log.last?.actor == .expiry)
        #expect(log.last?.fromState?.rawValue == "pending-verification" && log.last?.toState.rawValue == "removed")
        // No mail to a contact that never proved control, and the challenge is closed.
        #expect(try await bed.store.read { try $0.notifications(domain: "late.test") }.isEmpty)
        #expect(try await bed.store.read { try $0.openChallenge(domain: "late.test", purpose: .submit) } == nil)
        // A second run finds nothing more to expire.
        _ = try await bed.validateAll().run()
        #expect(try await events(bed, "late.test").count == 2)
    }

    @Test(arguments: Backend.allCases) func statusShowsTheExpiry(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("quiet.test")
        _ = try await bed.submit("quiet.test")
        let pending = try await bed.statusService().status(of: try DomainName("quiet.test"))
        #expect(pending.state == "pending-verification")
        #expect(pending.challenge?.expires == t0.adding(days: 14))

        bed.clock.advance(days: 15)
        let expired = try await bed.statusService().status(of: try DomainName("quiet.test"))
        #expect(expired.state == "removed")
        #expect(expired.reason == "submission-expired")
        #expect(expired.challenge == nil)
        #expect(expired.next?.kind == Forecast.Kind.none)
        // Asking again records nothing more.
        _ = try await bed.statusService().status(of: try DomainName("quiet.test"))
        #expect(try await events(bed, "quiet.test").map(\.reason.rawValue) == ["submitted", "submission-expired"])
    }

    @Test(arguments: Backend.allCases) func aNewSubmissionAfterExpiryWorks(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("again.test")
        _ = try await bed.submit("again.test")
        bed.clock.advance(days: 20)
        _ = try await bed.validateAll().run()
        #expect(try await bed.state("again.test") == .removed)

        guard case .challengeIssued(let fresh, let record, _, let renewed) = try await bed.submit("again.test") else {
            return #expect(Bool(false))
        }
        #expect(!renewed, "validate-all already ended the old submission")
        #expect(record.state == .pendingVerification)
        #expect(fresh.expires == t0.adding(days: 34))
        bed.world.setTXT(Challenge.recordName(for: try DomainName("again.test")), [fresh.recordValue])
        guard case .verified(let verified, _) = try await bed.submit("again.test") else { return #expect(Bool(false)) }
        #expect(verified.state == .probation)
        #expect(try await events(bed, "again.test").map(\.reason.rawValue)
                == ["submitted", "submission-expired", "submitted", "challenge-verified"])
    }

    @Test(arguments: Backend.allCases) func anUnprovenRemovalRequestLapsesAndTheDomainStays(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("keep.test")
        try await bed.admit("keep.test")
        guard case .challengeIssued(let first, _, let renewed) = try await bed.removalService()
            .requestRemoval(of: try DomainName("keep.test")) else { return #expect(Bool(false)) }
        #expect(!renewed)
        #expect(first.expires == t0.adding(days: 14))

        bed.clock.advance(days: 14)
        _ = try await bed.validateAll().run()
        #expect(try await bed.state("keep.test") == .probation)
        let log = try await events(bed, "keep.test")
        #expect(log.last?.reason.rawValue == "removal-expired")
        #expect(log.last?.fromState?.rawValue == "probation" && log.last?.toState.rawValue == "probation")
        #expect(log.last?.actor == .expiry)
        #expect(try await bed.store.read { try $0.openChallenge(domain: "keep.test", purpose: .remove) } == nil)

        // Publishing the lapsed token now proves nothing: a new request gets a new challenge.
        bed.world.setTXT(Challenge.recordName(for: try DomainName("keep.test")), [first.recordValue])
        guard case .challengeIssued(let second, _, _) = try await bed.removalService()
            .requestRemoval(of: try DomainName("keep.test")) else { return #expect(Bool(false)) }
        #expect(second.token != first.token)
        #expect(try await bed.state("keep.test") == .probation)
    }

    @Test(arguments: Backend.allCases) func removeItselfExpiresItsLapsedChallenge(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("owner.test")
        try await bed.admit("owner.test")
        _ = try await bed.removalService().requestRemoval(of: try DomainName("owner.test"))
        bed.clock.advance(days: 15)
        guard case .challengeIssued(_, _, let renewed) = try await bed.removalService()
            .requestRemoval(of: try DomainName("owner.test")) else { return #expect(Bool(false)) }
        #expect(renewed)
        #expect(try await events(bed, "owner.test").map(\.reason.rawValue).suffix(1) == ["removal-expired"])
    }

    /// The rule itself: only an open submission or removal request lapses; anything else is left alone.
    @Test func theLifecycleRuleForAnExpiredChallenge() throws {
        let submit = Challenge(purpose: .submit, token: "00", created: t0, expires: t0.adding(days: 14))
        let remove = Challenge(purpose: .remove, token: "01", created: t0, expires: t0.adding(days: 14))
        let now = t0.adding(days: 14)
        let lapsed = try step(.challengeExpired(submit), record(.pendingVerification), at: now)
        #expect(lapsed.record.state == .removed && lapsed.audit?.reason == .submissionExpired)
        #expect(lapsed.notification == nil)
        for state in [LifecycleState.probation, .listed, .failing, .removed, .removalRequested] {
            #expect(try step(.challengeExpired(submit), record(state), at: now).audit == nil, "\(state)")
        }
        for state in [LifecycleState.pendingVerification, .probation, .listed, .failing] {
            let s = try step(.challengeExpired(remove), record(state), at: now)
            #expect(s.record.state == state && s.audit?.reason == .removalExpired && !s.stateChanged, "\(state)")
        }
        for state in [LifecycleState.removed, .removalRequested] {
            #expect(try step(.challengeExpired(remove), record(state), at: now).audit == nil, "\(state)")
        }
    }

    @Test(arguments: Backend.allCases) func theExpiryIsConfigurable(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("short.test")
        var policy = LifecyclePolicy.defaults
        policy.challengeExpiryDays = 3
        let service = SubmitService(store: bed.store, checker: bed.world.checker, clock: bed.clock, policy: policy)
        guard case .challengeIssued(let c, _, _, _) = try await service.submit(
            SubmitRequest(domain: try DomainName("short.test"), contact: try ContactAddress("a@short.test"))) else {
            return #expect(Bool(false))
        }
        #expect(c.expires == t0.adding(days: 3))
        bed.clock.advance(days: 3)
        _ = try await bed.validateAll().run()
        #expect(try await bed.state("short.test") == .removed)
    }
}
