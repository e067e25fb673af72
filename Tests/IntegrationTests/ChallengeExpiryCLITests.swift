import Foundation
import PreloadCore
import Testing

/// A pending submission whose challenge record is never published expires after 14 days (the default):
/// `status` shows it, `events` has the audit line, and a new submission starts afresh; `--challenge-expiry-days`
/// sets another period. On the built binary against the test bed (`PRELOAD_NOW` moves the clock).
@Suite struct ChallengeExpiryCLITests {
    static let domain = "good2.test"

    @Test func anUnprovenSubmissionExpiresAndCanBeMadeAgain() async throws {
        let cli = try await PreloadCLI("expiry")
        let t0 = Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970))
        let (submitted, first) = try await cli.json(["submit", Self.domain, "--contact", "owner@notify.test", "--timeout", PreloadCLI.stepTimeout], at: t0)
        #expect(submitted.status == 0, "\(submitted.stderr)\(submitted.stdout)")
        let challenge = first["challenge"] as? [String: Any]
        #expect(challenge?["expires"] as? String == t0.adding(days: 14).rfc3339)

        #expect(try await cli.state(of: Self.domain, at: t0.adding(days: 13)) == "pending-verification")
        let (_, expired) = try await cli.json(["status", Self.domain], at: t0.adding(days: 14))
        #expect(expired["state"] as? String == "removed")
        #expect(expired["reason"] as? String == "submission-expired")
        #expect(expired["challenge"] == nil)
        #expect(try await cli.events(Self.domain, at: t0.adding(days: 14)).map(\.reason) == ["submitted", "submission-expired"])

        let (again, second) = try await cli.json(["submit", Self.domain, "--contact", "owner@notify.test", "--timeout", PreloadCLI.stepTimeout,
                                                  "--challenge-expiry-days", "3"], at: t0.adding(days: 15))
        #expect(again.status == 0, "\(again.stderr)\(again.stdout)")
        #expect((second["challenge"] as? [String: Any])?["expires"] as? String == t0.adding(days: 18).rfc3339)
        #expect(try await cli.state(of: Self.domain, at: t0.adding(days: 15)) == "pending-verification")
        #expect(try await cli.state(of: Self.domain, at: t0.adding(days: 18)) == "removed")
    }
}
