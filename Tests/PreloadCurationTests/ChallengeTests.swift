import PreloadCore
import PreloadTesting
import Testing
@testable import PreloadCuration

@Suite struct ChallengeTests {
    @Test func tokensAre128BitHexAndFresh() {
        var rng = SystemRandomNumberGenerator()
        let a = Challenge.make(purpose: .submit, now: t0, policy: .defaults, using: &rng)
        let b = Challenge.make(purpose: .submit, now: t0, policy: .defaults, using: &rng)
        #expect(a.token.count == 32)
        #expect(a.token.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(a.token != b.token)
        #expect(a.expires == t0.adding(days: 14))
    }

    @Test func leadingZerosArePadded() {
        struct Zeros: RandomNumberGenerator { mutating func next() -> UInt64 { 1 } }
        var rng = Zeros()
        let c = Challenge.make(purpose: .remove, now: t0, policy: .defaults, using: &rng)
        #expect(c.token == "00000000000000010000000000000001")
    }

    @Test func theRecordToPublish() {
        var rng = SeededGenerator(seed: 1)
        let c = Challenge.make(purpose: .submit, now: t0, policy: .defaults, using: &rng)
        #expect(Challenge.recordName(for: example) == "_preload-challenge.example.test")
        #expect(c.recordValue == "preload-verify=" + c.token)
        #expect(c.zoneLine(for: example) == "_preload-challenge.example.test TXT \"preload-verify=\(c.token)\"")
        let r = Challenge.make(purpose: .remove, now: t0, policy: .defaults, using: &rng)
        #expect(r.recordValue == "preload-remove=" + r.token)
    }

    @Test func provenOnlyByTheExactValueBeforeExpiry() {
        var rng = SeededGenerator(seed: 7)
        let c = Challenge.make(purpose: .submit, now: t0, policy: LifecyclePolicy(challengeExpiryDays: 2), using: &rng)
        #expect(c.isProven(by: ["v=spf1 -all", " preload-verify=\(c.token) "], at: t0.adding(days: 1)))
        #expect(!c.isProven(by: ["preload-verify=\(c.token)"], at: t0.adding(days: 2)))
        #expect(!c.isProven(by: ["preload-remove=\(c.token)"], at: t0))
        #expect(!c.isProven(by: ["preload-verify=\(c.token.uppercased())"], at: t0))
        #expect(!c.isProven(by: ["preload-verify=\(c.token.dropLast())"], at: t0))
        #expect(!c.isProven(by: [], at: t0))
        let removal = Challenge(purpose: .remove, token: c.token, created: t0, expires: c.expires)
        #expect(!removal.isProven(by: ["preload-verify=\(c.token)"], at: t0))
    }
}

@Suite struct ForecastTests {
    @Test func pendingWaitsForTheChallengeUntilExpiry() {
        let c = Challenge(purpose: .submit, token: "00", created: t0, expires: t0.adding(days: 7))
        let f = Forecast.of(record(.pendingVerification), challenge: c, now: t0.adding(days: 1))
        #expect(f == Forecast(kind: .awaitingChallenge, date: t0.adding(days: 7)))
        #expect(Forecast.of(record(.pendingVerification), challenge: c, now: t0.adding(days: 7)).kind == .challengeExpired)
        #expect(Forecast.of(record(.pendingVerification), challenge: nil, now: t0).kind == .challengeExpired)
    }

    @Test func probationSaysWhenItWillBeListed() {
        var r = record(.probation)
        r.passingValidations = 1
        let f = Forecast.of(r, challenge: nil, now: t0.adding(days: 3))
        #expect(f == Forecast(kind: .listedIfPassing, date: t0.adding(days: 14), validationsNeeded: 2))
        #expect(f.sentence.contains("2026-12-15"))
        r.passingValidations = 5
        #expect(Forecast.of(r, challenge: nil, now: t0.adding(days: 20)).date == t0.adding(days: 20))
        r.failingSince = t0.adding(days: 2)
        #expect(Forecast.of(r, challenge: nil, now: t0.adding(days: 3)).kind == .removedUnlessFixed)
    }

    @Test func failingSaysWhenItWillBeRemoved() {
        let f = Forecast.of(record(.failing, since: t0), challenge: nil, now: t0.adding(days: 1))
        #expect(f == Forecast(kind: .removedUnlessFixed, date: t0.adding(days: 7)))
    }

    @Test(arguments: [(LifecycleState.listed, Forecast.Kind.staysListed), (.removalRequested, .removedAtNextPublish),
                      (.removed, .none)])
    func otherStates(_ state: LifecycleState, _ kind: Forecast.Kind) {
        #expect(Forecast.of(record(state), challenge: nil, now: t0).kind == kind)
    }
}
