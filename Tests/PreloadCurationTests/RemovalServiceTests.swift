import PreloadCore
import PreloadState
import Testing
@testable import PreloadCuration

@Suite struct RemovalServiceTests {
    @Test(arguments: Backend.allCases) func ownerRemovalOfAListedDomainTakesEffectAtThePublish(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("bye.test")
        var listed = record(.listed)
        listed.domain = try DomainName("bye.test")
        listed.patterns = patterns("mx1.bye.test", "mx2.bye.test")
        let saved = listed
        try await bed.store.write { try $0.save(saved) }
        _ = try await bed.validateAll().run()
        #expect(await bed.publisher.entry("bye.test") != nil)

        let service = bed.removalService()
        let domain = try DomainName("bye.test")
        guard case .challengeIssued(let c, _, _) = try await service.requestRemoval(of: domain) else { return #expect(Bool(false)) }
        #expect(c.recordValue.hasPrefix("preload-remove="))
        guard case .awaitingChallenge = try await service.requestRemoval(of: domain) else { return #expect(Bool(false)) }
        // The submission's record does not prove a removal.
        bed.world.setTXT(Challenge.recordName(for: domain), ["preload-verify=\(c.token)"])
        guard case .awaitingChallenge = try await service.requestRemoval(of: domain) else { return #expect(Bool(false)) }
        bed.world.setTXT(Challenge.recordName(for: domain), [c.recordValue])
        guard case .accepted(let r) = try await service.requestRemoval(of: domain) else { return #expect(Bool(false)) }
        #expect(r.state == .removalRequested)
        guard case .alreadyRequested = try await service.requestRemoval(of: domain) else { return #expect(Bool(false)) }

        bed.clock.advance(days: 1)
        let summary = try await bed.validateAll().run()
        #expect(summary.publication?.action == .published)
        #expect(await bed.publisher.entry("bye.test") == nil)
        #expect(try await bed.state("bye.test") == .removed)
        let reasons = try await bed.store.read { try $0.events(domain: "bye.test").map(\.reason.rawValue) }
        #expect(reasons == ["owner-removal", "removed-at-publish"])
    }

    @Test(arguments: Backend.allCases) func ownerRemovalDuringProbationIsImmediate(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("early.test")
        try await bed.admit("early.test")
        let domain = try DomainName("early.test")
        guard case .challengeIssued(let c, _, _) = try await bed.removalService().requestRemoval(of: domain) else {
            return #expect(Bool(false))
        }
        bed.world.setTXT(Challenge.recordName(for: domain), [c.recordValue])
        guard case .accepted(let r) = try await bed.removalService().requestRemoval(of: domain) else { return #expect(Bool(false)) }
        #expect(r.state == .removed)
    }

    @Test(arguments: Backend.allCases) func nothingToRemove(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        await #expect(throws: LifecycleRefusal.notActive(nil)) {
            try await bed.removalService().requestRemoval(of: try DomainName("never.test"))
        }
        await #expect(throws: LifecycleRefusal.notActive(nil)) {
            try await bed.removalService().forceRemoval(of: try DomainName("never.test"), reason: "x")
        }
    }

    @Test(arguments: Backend.allCases) func maintainersRemoveWithAReason(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("abuse.test")
        try await bed.admit("abuse.test")
        guard case .forced(let r) = try await bed.removalService().forceRemoval(of: try DomainName("abuse.test"),
                                                                                  reason: "ticket 42") else {
            return #expect(Bool(false))
        }
        #expect(r.state == .removed)
        let last = try await bed.store.read { try $0.events(domain: "abuse.test").last }
        #expect(last?.actor == .maintainer)
        #expect(last?.reason.rawValue == "forced-removal")
        #expect(last?.detail == "ticket 42")
    }

    @Test(arguments: Backend.allCases) func removalAttemptsAreRateLimited(_ backend: Backend) async throws {
        let bed = try await Bed.make(backend)
        bed.world.addGoodDomain("r.test")
        try await bed.admit("r.test")
        let service = RemovalService(store: bed.store, dns: bed.world, clock: bed.clock,
                                     limits: AbuseLimits(removalsPerDomainPerDay: 1))
        _ = try await service.requestRemoval(of: try DomainName("r.test"))
        await #expect(throws: CurationError.self) { try await service.requestRemoval(of: try DomainName("r.test")) }
    }
}
