import PreloadChecker
import PreloadCore
import PreloadState
import Testing
@testable import PreloadCuration

@Suite struct SubmitServiceTests {
    @Test(arguments: Backend.allCases) func ineligibleDomainsGetTheReportAndNothingIsQueued(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("bad.test")
        bed.world.setSMTP("bad.test", .starttlsNotOffered)
        guard case .ineligible(let report) = try await bed.submit("bad.test") else {
            Issue.record("expected ineligible")
            return
        }
        #expect(report.issueCodes.contains("smtp.starttls-missing"))
        #expect(try await bed.state("bad.test") == nil)
        #expect(try await bed.store.read { try $0.openChallenge(domain: "bad.test", purpose: .submit) } == nil)
        #expect(try await bed.store.read { try $0.events().isEmpty })
    }

    @Test(arguments: Backend.allCases) func patternsComeFromTheMTASTSPolicy(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("sts.test", policyMode: .testing)
        guard case .challengeIssued(let c, let r, _, let renewed) = try await bed.submit("sts.test") else {
            Issue.record("expected a challenge")
            return
        }
        #expect(!renewed)
        #expect(r.state == .pendingVerification)
        #expect(r.provenance == .mtaSTS)
        #expect(r.patterns == patterns("*.sts.test"))
        #expect(c.token.count == 32)
        #expect(c.expires == t0.adding(days: 14))
        #expect(c.zoneLine(for: try DomainName("sts.test")).hasPrefix("_preload-challenge.sts.test TXT \"preload-verify="))
        // The submission's check is stored as a validation.
        #expect(try await bed.store.read { try $0.validations(domain: "sts.test", limit: 5).count } == 1)
    }

    @Test(arguments: Backend.allCases) func withoutMTASTSThePatternsAreTheMXHostNames(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("plain.test", policyMode: nil)
        guard case .challengeIssued(_, let r, _, _) = try await bed.submit("plain.test") else {
            Issue.record("expected a challenge")
            return
        }
        #expect(r.provenance == .manual)
        #expect(r.patterns == patterns("mx1.plain.test", "mx2.plain.test"))
    }

    @Test(arguments: Backend.allCases) func givenPatternsMustCoverEveryMX(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("given.test")
        guard case .patternsUncovered(_, let hosts) = try await bed.submit("given.test", mx: ["mx1.given.test"]) else {
            Issue.record("expected uncovered")
            return
        }
        #expect(hosts.map(\.value) == ["mx2.given.test"])
        #expect(try await bed.state("given.test") == nil)
        guard case .challengeIssued(_, let r, _, _) = try await bed.submit("given.test", mode: .testing,
                                                                           mx: ["mx1.given.test", "*.given.test"]) else {
            Issue.record("expected a challenge")
            return
        }
        #expect(r.provenance == .manual)
        #expect(r.mode == .testing)
        #expect(r.patterns == patterns("*.given.test", "mx1.given.test"))
    }

    @Test(arguments: Backend.allCases) func publishingTheChallengeStartsProbation(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("ok.test")
        guard case .challengeIssued(let c, _, _, _) = try await bed.submit("ok.test") else { return #expect(Bool(false)) }
        // Not published yet: the same token again.
        guard case .awaitingChallenge(let same, _, _, let failed) = try await bed.submit("ok.test") else {
            return #expect(Bool(false))
        }
        #expect(same == c)
        #expect(!failed)
        // A removal record or a wrong token does not count.
        let name = Challenge.recordName(for: try DomainName("ok.test"))
        bed.world.setTXT(name, ["preload-remove=\(c.token)", "preload-verify=0123"])
        guard case .awaitingChallenge = try await bed.submit("ok.test") else { return #expect(Bool(false)) }
        bed.world.setTXT(name, [c.recordValue])
        bed.clock.advance(days: 1)
        guard case .verified(let r, _) = try await bed.submit("ok.test") else { return #expect(Bool(false)) }
        #expect(r.state == .probation)
        #expect(r.probationSince == t0.adding(days: 1))
        let events = try await bed.store.read { try $0.events(domain: "ok.test") }
        #expect(events.map(\.reason.rawValue) == ["submitted", "challenge-verified"])
        #expect(events.map(\.actor) == [.submit, .submit])
        let notes = try await bed.store.read { try $0.notifications(domain: "ok.test") }
        #expect(notes.map(\.kind) == [.verified])
        #expect(notes.first?.recipient == "postmaster@example.test")
        #expect(try await bed.store.read { try $0.openChallenge(domain: "ok.test", purpose: .submit) } == nil)
    }

    @Test(arguments: Backend.allCases) func resubmittingAnActiveDomainChangesNothing(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("ok.test")
        try await bed.admit("ok.test")
        let before = try await bed.store.read { try ($0.events().count, $0.record(try DomainName("ok.test"))) }
        guard case .alreadyActive(let r) = try await bed.submit("ok.test", contact: "other@example.test") else {
            return #expect(Bool(false))
        }
        #expect(r.state == .probation)
        let after = try await bed.store.read { try ($0.events().count, $0.record(try DomainName("ok.test"))) }
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
    }

    @Test(arguments: Backend.allCases) func anExpiredTokenIsReplaced(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("slow.test")
        guard case .challengeIssued(let old, _, _, _) = try await bed.submit("slow.test") else { return #expect(Bool(false)) }
        bed.clock.advance(days: 15)
        // Publishing the expired token is too late: the submission expired, and this one starts afresh.
        bed.world.setTXT(Challenge.recordName(for: try DomainName("slow.test")), [old.recordValue])
        guard case .challengeIssued(let new, _, _, let renewed) = try await bed.submit("slow.test") else {
            return #expect(Bool(false))
        }
        #expect(renewed)
        #expect(new.token != old.token)
        #expect(new.expires == t0.adding(days: 29))
        #expect(try await bed.state("slow.test") == .pendingVerification)
        let reasons = try await bed.store.read { try $0.events(domain: "slow.test").map(\.reason.rawValue) }
        #expect(reasons == ["submitted", "submission-expired", "submitted"])
    }

    @Test(arguments: Backend.allCases) func submissionsAreRateLimitedPerDomain(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("busy.test")
        let service = bed.submitService(limits: AbuseLimits(submissionsPerDomainPerDay: 2))
        let request = SubmitRequest(domain: try DomainName("busy.test"), contact: try ContactAddress("a@busy.test"))
        _ = try await service.submit(request)
        _ = try await service.submit(request)
        await #expect(throws: CurationError.self) { try await service.submit(request) }
        bed.clock.set(t0.adding(days: 1).adding(seconds: 1))
        _ = try await service.submit(request)
    }

    @Test(arguments: Backend.allCases) func newSubmissionsAreLimitedPerRun(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        for d in ["a.test", "b.test", "c.test"] { bed.world.addGoodDomain(d) }
        let service = bed.submitService(limits: AbuseLimits(newSubmissionsPerRun: 2))
        for d in ["a.test", "b.test"] { _ = try await service.submit(SubmitRequest(domain: try DomainName(d), contact: try ContactAddress("x@y.test"))) }
        await #expect(throws: CurationError.self) {
            try await service.submit(SubmitRequest(domain: try DomainName("c.test"), contact: try ContactAddress("x@y.test")))
        }
        // A pending domain may still come back for its challenge.
        _ = try await service.submit(SubmitRequest(domain: try DomainName("a.test"), contact: try ContactAddress("x@y.test")))
        // After a validate-all run, new submissions are accepted again.
        bed.clock.advance(days: 1)
        _ = try await bed.validateAll(publish: false).run()
        _ = try await service.submit(SubmitRequest(domain: try DomainName("c.test"), contact: try ContactAddress("x@y.test")))
        #expect(try await bed.state("c.test") == .pendingVerification)
    }
}
