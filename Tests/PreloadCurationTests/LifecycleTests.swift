import PreloadCore
import Testing
@testable import PreloadCuration

@Suite struct SubmissionRulesTests {
    @Test func unknownDomainBecomesPending() throws {
        let s = try step(.submitted(manualTerms), nil, at: t0)
        #expect(s.from == nil)
        #expect(s.record.state == .pendingVerification)
        #expect(s.record.since == t0)
        #expect(s.audit?.reason == .submitted)
        #expect(s.notification == nil)
        #expect(s.record.patterns == manualTerms.patterns)
        #expect(s.record.listEntry == nil)
    }

    @Test func removedDomainStartsAfresh() throws {
        var old = record(.removed)
        old.added = t0.adding(days: -100)
        old.passingValidations = 9
        let s = try step(.submitted(stsTerms), old, at: t0.adding(days: 1))
        #expect(s.from == .removed)
        #expect(s.record.state == .pendingVerification)
        #expect(s.record.added == nil)
        #expect(s.record.passingValidations == 0)
        #expect(s.record.provenance == .mtaSTS)
    }

    @Test func pendingWithSameTermsChangesNothing() throws {
        let old = record(.pendingVerification)
        let s = try step(.submitted(manualTerms), old, at: t0.adding(days: 1))
        #expect(s.record == old)
        #expect(s.audit == nil)
    }

    @Test func pendingWithNewTermsIsResubmitted() throws {
        let old = record(.pendingVerification)
        let s = try step(.submitted(stsTerms), old, at: t0.adding(days: 1))
        #expect(s.record.state == .pendingVerification)
        #expect(s.record.since == t0)
        #expect(s.audit?.reason == .resubmitted)
        #expect(s.record.patterns == stsTerms.patterns)
    }

    @Test(arguments: [LifecycleState.probation, .listed, .failing, .removalRequested])
    func activeDomainsRefuseSubmission(_ state: LifecycleState) {
        #expect(throws: LifecycleRefusal.alreadyActive(state)) {
            try step(.submitted(manualTerms), record(state), at: t0)
        }
    }

    @Test func challengeStartsProbation() throws {
        let s = try step(.challengeVerified(stsTerms), record(.pendingVerification), at: t0.adding(days: 2))
        #expect(s.record.state == .probation)
        #expect(s.record.probationSince == t0.adding(days: 2))
        #expect(s.record.since == t0.adding(days: 2))
        #expect(s.record.passingValidations == 0)
        #expect(s.audit?.reason == .challengeVerified)
        #expect(s.notification == .verified)
        #expect(s.record.provenance == .mtaSTS)
    }

    @Test(arguments: [LifecycleState.probation, .listed, .failing, .removalRequested, .removed])
    func challengeNeedsAPendingSubmission(_ state: LifecycleState) {
        #expect(throws: LifecycleRefusal.notPending(state)) {
            try step(.challengeVerified(manualTerms), record(state), at: t0)
        }
        #expect(throws: LifecycleRefusal.notPending(nil)) { try step(.challengeVerified(manualTerms), nil, at: t0) }
    }
}

@Suite struct ProbationRulesTests {
    @Test func listedAfterThePeriodWithEnoughPasses() throws {
        var r = record(.probation)
        for day in [1, 5, 10] {
            let s = try step(.validated(pass(t0.adding(days: day))), r, at: t0.adding(days: day))
            #expect(s.record.state == .probation)
            #expect(s.audit == nil)
            r = s.record
        }
        #expect(r.passingValidations == 3)
        let early = try step(.validated(pass(t0.adding(days: 13))), r, at: t0.adding(days: 13))
        #expect(early.record.state == .probation)
        let done = try step(.validated(pass(t0.adding(days: 14))), early.record, at: t0.adding(days: 14))
        #expect(done.record.state == .listed)
        #expect(done.from == .probation)
        #expect(done.audit?.reason == .probationPassed)
        #expect(done.notification == .listed)
        #expect(done.record.added == t0.adding(days: 14))
        #expect(done.record.lastVerified == t0.adding(days: 14))
        #expect(done.record.listEntry?.domain == example)
    }

    @Test func periodAloneIsNotEnough() throws {
        var r = record(.probation)
        r = try step(.validated(pass(t0.adding(days: 20))), r, at: t0.adding(days: 20)).record
        r = try step(.validated(pass(t0.adding(days: 21))), r, at: t0.adding(days: 21)).record
        #expect(r.state == .probation)
        let third = try step(.validated(pass(t0.adding(days: 22))), r, at: t0.adding(days: 22))
        #expect(third.record.state == .listed)
    }

    @Test func settingsAreHonoured() throws {
        let policy = LifecyclePolicy(probationDays: 1, minPassingValidations: 1, failingGraceDays: 1, challengeExpiryDays: 1)
        let s = try step(.validated(pass(t0.adding(days: 1))), record(.probation), at: t0.adding(days: 1), policy: policy)
        #expect(s.record.state == .listed)
    }

    @Test func failureRestartsProbation() throws {
        var r = record(.probation)
        r = try step(.validated(pass(t0.adding(days: 1))), r, at: t0.adding(days: 1)).record
        r = try step(.validated(pass(t0.adding(days: 2))), r, at: t0.adding(days: 2)).record
        let failed = try step(.validated(fail(t0.adding(days: 3), "tls.cert-expired")), r, at: t0.adding(days: 3))
        #expect(failed.record.state == .probation)
        #expect(failed.record.passingValidations == 0)
        #expect(failed.record.probationSince == t0.adding(days: 3))
        #expect(failed.record.failingSince == t0.adding(days: 3))
        #expect(failed.audit?.reason == .probationRestarted)
        #expect(failed.audit?.detail.contains("tls.cert-expired") == true)
        #expect(failed.notification == .failing)
        // A second failure in a row is not logged again.
        let again = try step(.validated(fail(t0.adding(days: 4), "tls.cert-expired")), failed.record, at: t0.adding(days: 4))
        #expect(again.audit == nil)
        #expect(again.notification == nil)
        #expect(again.record.failingSince == t0.adding(days: 3))
        // Listed 14 days after the last failure, not the first verification.
        var p = again.record
        for day in [5, 10, 17] {
            p = try step(.validated(pass(t0.adding(days: day))), p, at: t0.adding(days: day)).record
            #expect(p.state == .probation)
        }
        #expect(p.failingSince == nil)
        let listed = try step(.validated(pass(t0.adding(days: 18))), p, at: t0.adding(days: 18))
        #expect(listed.record.state == .listed)
    }

    @Test func failingThroughTheGraceRemovesFromProbation() throws {
        var r = record(.probation)
        r = try step(.validated(fail(t0.adding(days: 1), "smtp.unreachable")), r, at: t0.adding(days: 1)).record
        r = try step(.validated(fail(t0.adding(days: 7), "smtp.unreachable")), r, at: t0.adding(days: 7)).record
        #expect(r.state == .probation)
        let s = try step(.validated(fail(t0.adding(days: 8), "smtp.unreachable")), r, at: t0.adding(days: 8))
        #expect(s.record.state == .removed)
        #expect(s.audit?.reason == .probationFailed)
        #expect(s.notification == .removed)
    }
}

@Suite struct ListedRulesTests {
    @Test func passingKeepsListedAndRecordsVerification() throws {
        let s = try step(.validated(pass(t0.adding(days: 1))), record(.listed), at: t0.adding(days: 1))
        #expect(s.record.state == .listed)
        #expect(s.record.lastVerified == t0.adding(days: 1))
        #expect(s.audit == nil)
        #expect(s.notification == nil)
        #expect(s.record.listEntry?.provenance.verified == t0.adding(days: 1))
    }

    @Test func failureMakesItFailingButStillListed() throws {
        let s = try step(.validated(fail(t0.adding(days: 1), "tls.cert-expired", "tls.cert-untrusted")), record(.listed),
                         at: t0.adding(days: 1))
        #expect(s.record.state == .failing)
        #expect(s.record.failingSince == t0.adding(days: 1))
        #expect(s.audit?.reason == .validationFailed)
        #expect(s.audit?.detail.contains("tls.cert-expired") == true)
        #expect(s.notification == .failing)
        #expect(s.record.listEntry != nil)
    }

    @Test func failingRecoversWhenItPasses() throws {
        let s = try step(.validated(pass(t0.adding(days: 3))), record(.failing), at: t0.adding(days: 3))
        #expect(s.record.state == .listed)
        #expect(s.record.failingSince == nil)
        #expect(s.audit?.reason == .recovered)
        #expect(s.notification == .listed)
    }

    @Test func failingWithinTheGraceStaysQuiet() throws {
        let s = try step(.validated(fail(t0.adding(days: 6), "smtp.unreachable")), record(.failing), at: t0.adding(days: 6))
        #expect(s.record.state == .failing)
        #expect(s.record.since == t0)
        #expect(s.audit == nil)
        #expect(s.notification == nil)
    }

    @Test func failingPastTheGraceIsRemoved() throws {
        let s = try step(.validated(fail(t0.adding(days: 7), "smtp.unreachable")), record(.failing), at: t0.adding(days: 7))
        #expect(s.record.state == .removed)
        #expect(s.audit?.reason == .graceExpired)
        #expect(s.notification == .removed)
        #expect(s.record.listEntry == nil)
    }

    @Test(arguments: [LifecycleState.probation, .listed, .failing])
    func modeNoneIsAnOptOut(_ state: LifecycleState) throws {
        let outcome = ValidationOutcome(time: t0, eligible: false, issueCodes: ["mta-sts.policy-mode-none"],
                                        mxHosts: hosts("mx1.example.test"), policy: STSPolicy(mode: .none, maxAge: 86400, mx: []))
        let s = try step(.validated(outcome), record(state, since: t0.adding(days: -1)), at: t0)
        #expect(s.record.state == .removed)
        #expect(s.audit?.reason == .optedOut)
        #expect(s.notification == .removed)
    }

    @Test(arguments: [LifecycleState.pendingVerification, .removalRequested, .removed])
    func statesOutsideValidationIgnoreResults(_ state: LifecycleState) throws {
        let old = record(state)
        let s = try step(.validated(fail(t0.adding(days: 30), "smtp.unreachable")), old, at: t0.adding(days: 30))
        #expect(s.record == old)
        #expect(s.audit == nil)
    }

    @Test(arguments: [LifecycleState.probation, .listed, .failing])
    func inconclusiveResultsChangeNothing(_ state: LifecycleState) throws {
        let old = record(state)
        var outcome = fail(t0.adding(days: 30), "dns.lookup-failed")
        outcome.inconclusive = true
        let s = try step(.validated(outcome), old, at: t0.adding(days: 30))
        #expect(s.record == old)
    }

    @Test func uncoveredMXFailsAManualEntry() throws {
        let outcome = pass(t0.adding(days: 1), mx: hosts("mx1.example.test", "mx3.example.test"))
        let s = try step(.validated(outcome), record(.listed), at: t0.adding(days: 1))
        #expect(s.record.state == .failing)
        #expect(s.audit?.detail.contains(CurationIssues.mxUncovered.rawValue) == true)
        #expect(s.audit?.detail.contains("mx3.example.test") == true)
        #expect(CurationIssues.mxUncovered.entry?.severity == .error)
    }
}

@Suite struct PolicyFollowingTests {
    @Test func mtaSTSEntryTakesOverNewPatterns() throws {
        let old = record(.listed, terms: SubmissionTerms(contact: "a@example.test", requestedMode: .enforce,
                                                         patterns: patterns("mx1.example.test"), provenance: .mtaSTS))
        let outcome = pass(t0.adding(days: 1), policy: stsPolicy(.enforce, "mx1.example.test", "*.backup.test"),
                           mx: hosts("mx1.example.test", "a.backup.test"))
        let s = try step(.validated(outcome), old, at: t0.adding(days: 1))
        #expect(s.record.state == .listed)
        #expect(s.record.patterns == patterns("*.backup.test", "mx1.example.test"))
        #expect(s.audit?.reason == .policyFollowed)
        #expect(s.notification == nil)
    }

    @Test func mtaSTSEntryFollowsModeButNeverBeyondTheRequest() throws {
        let listed = record(.listed, terms: stsTerms)
        let testing = try step(.validated(pass(t0.adding(days: 1), policy: stsPolicy(.testing, "*.example.test"))),
                               listed, at: t0.adding(days: 1))
        #expect(testing.record.mode == .testing)
        #expect(testing.audit?.reason == .policyFollowed)
        let back = try step(.validated(pass(t0.adding(days: 2), policy: stsPolicy(.enforce, "*.example.test"))),
                            testing.record, at: t0.adding(days: 2))
        #expect(back.record.mode == .enforce)

        var asked = stsTerms
        asked.requestedMode = .testing
        let capped = try step(.validated(pass(t0.adding(days: 1), policy: stsPolicy(.enforce, "*.example.test"))),
                              record(.listed, terms: asked), at: t0.adding(days: 1))
        #expect(capped.record.mode == .testing)
        #expect(capped.audit == nil)
    }

    @Test func manualEntryIgnoresThePolicy() throws {
        let s = try step(.validated(pass(t0.adding(days: 1), policy: stsPolicy(.testing, "*.example.test"))),
                         record(.listed), at: t0.adding(days: 1))
        #expect(s.record.patterns == manualTerms.patterns)
        #expect(s.record.mode == .enforce)
        #expect(s.audit == nil)
    }

    @Test func followingCoversANewMXHost() throws {
        let old = record(.listed, terms: SubmissionTerms(contact: "a@example.test", requestedMode: .enforce,
                                                         patterns: patterns("mx1.example.test"), provenance: .mtaSTS))
        let outcome = pass(t0.adding(days: 1), policy: stsPolicy(.enforce, "mx1.example.test", "mx9.example.test"),
                           mx: hosts("mx1.example.test", "mx9.example.test"))
        #expect(try step(.validated(outcome), old, at: t0.adding(days: 1)).record.state == .listed)
        // The same change under manual provenance leaves mx9 uncovered.
        var manual = old
        manual.provenance = .manual
        #expect(try step(.validated(outcome), manual, at: t0.adding(days: 1)).record.state == .failing)
    }
}

@Suite struct RemovalRulesTests {
    @Test(arguments: [LifecycleState.pendingVerification, .probation])
    func ownerRemovalOutsideTheListIsImmediate(_ state: LifecycleState) throws {
        let s = try step(.ownerRemovalVerified, record(state), at: t0.adding(days: 1))
        #expect(s.record.state == .removed)
        #expect(s.audit?.reason == .ownerRemoval)
        #expect(s.notification == .removed)
    }

    @Test(arguments: [LifecycleState.listed, .failing])
    func ownerRemovalOfAListedDomainWaitsForThePublish(_ state: LifecycleState) throws {
        let s = try step(.ownerRemovalVerified, record(state), at: t0.adding(days: 1))
        #expect(s.record.state == .removalRequested)
        #expect(s.notification == .removalRequested)
        #expect(s.record.listEntry == nil)
        let again = try step(.ownerRemovalVerified, s.record, at: t0.adding(days: 2))
        #expect(again.record == s.record)
        #expect(again.audit == nil)
        let published = try step(.publishedWithout, s.record, at: t0.adding(days: 2))
        #expect(published.record.state == .removed)
        #expect(published.audit?.reason == .removedAtPublish)
        #expect(published.notification == .removed)
    }

    @Test func ownerRemovalNeedsSomethingToRemove() {
        #expect(throws: LifecycleRefusal.notActive(.removed)) { try step(.ownerRemovalVerified, record(.removed), at: t0) }
        #expect(throws: LifecycleRefusal.notActive(nil)) { try step(.ownerRemovalVerified, nil, at: t0) }
    }

    @Test(arguments: [LifecycleState.pendingVerification, .probation, .listed, .failing, .removalRequested])
    func forcedRemovalWorksFromEveryState(_ state: LifecycleState) throws {
        let s = try step(.forcedRemoval(reason: "abuse report #12"), record(state), at: t0.adding(days: 1))
        #expect(s.record.state == .removed)
        #expect(s.audit == AuditNote(.forcedRemoval, "abuse report #12"))
        #expect(s.record.detail == "abuse report #12")
        #expect(s.notification == .removed)
    }

    @Test func forcedRemovalOfNothingIsRefused() {
        #expect(throws: LifecycleRefusal.notActive(.removed)) {
            try step(.forcedRemoval(reason: "x"), record(.removed), at: t0)
        }
        #expect(throws: LifecycleRefusal.notActive(nil)) { try step(.forcedRemoval(reason: "x"), nil, at: t0) }
    }

    @Test(arguments: [LifecycleState.pendingVerification, .probation, .listed, .failing, .removed])
    func publishingOnlyFinishesRequestedRemovals(_ state: LifecycleState) throws {
        let old = record(state)
        #expect(try step(.publishedWithout, old, at: t0.adding(days: 1)).record == old)
    }
}

@Suite struct LifecycleInvariantTests {
    static let events: [LifecycleEvent] = [
        .submitted(manualTerms), .submitted(stsTerms), .challengeVerified(manualTerms),
        .validated(pass(t0.adding(days: 30))), .validated(fail(t0.adding(days: 30), "smtp.unreachable")),
        .validated(pass(t0.adding(days: 30), policy: stsPolicy(.none))), .ownerRemovalVerified,
        .forcedRemoval(reason: "r"), .publishedWithout,
    ]

    /// Every state × every event: a refusal, or a step whose state changes are audited, dated and
    /// consistent with list membership.
    @Test(arguments: LifecycleState.allCases)
    func everyStepIsAuditedAndConsistent(_ state: LifecycleState) throws {
        let now = t0.adding(days: 30)
        for event in Self.events {
            let old = record(state)
            let s: LifecycleStep
            do { s = try step(event, old, at: now) } catch { continue }
            if s.stateChanged {
                #expect(s.audit != nil, "\(state) + \(event)")
                #expect(s.record.since == now)
                #expect(s.record.reason == s.audit?.reason)
            } else {
                #expect(s.record.since == old.since || s.from == nil)
            }
            #expect((s.record.listEntry != nil) == s.record.state.isInList)
            if s.record.state == .listed { #expect(s.record.added != nil) }
            if s.notification != nil { #expect(s.audit != nil) }
        }
    }

    @Test func aWholeLifeFromSubmissionToRemoval() throws {
        var r = try step(.submitted(manualTerms), nil, at: t0).record
        r = try step(.challengeVerified(manualTerms), r, at: t0.adding(days: 1)).record
        var states: [LifecycleState] = []
        for day in stride(from: 2, through: 30, by: 1) {
            let now = t0.adding(days: day)
            let outcome = day < 20 ? pass(now) : fail(now, "tls.cert-expired")
            r = try step(.validated(outcome), r, at: now).record
            if states.last != r.state { states.append(r.state) }
            if day == 15 { #expect(r.state == .listed) }
        }
        #expect(states == [.probation, .listed, .failing, .removed])
        #expect(r.since == t0.adding(days: 27))
    }
}
