import Foundation
import PreloadCore
import PreloadCuration
import PreloadTesting
import Testing

/// `--domain-timeout` on the built binary against the test bed's stalling hosts: `preload check` reports
/// `check.deadline-exceeded` and exits 1; `validate-all` records it as a failed validation, moves the listed
/// domain to failing and completes the run.
@Suite("Domain deadline (CLI)", .serialized) struct DomainDeadlineCLITests {
    @Test func checkReportsTheDeadlineAndExitsOne() async throws {
        let bed = try await NetTestBed.shared
        let out = try await Tool.run(try Tool.preloadBinary(), ["check", "no-banner.test", "--timeout", "60", "--domain-timeout", "2",
                                                         "--format", "json"],
                                     environment: ["PRELOAD_DNS": bed.dns.server, "PRELOAD_CA_FILE": bed.caFile])
        #expect(out.status == 1, "\(out.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        let report = (object?["reports"] as? [[String: Any]])?.first
        let codes = (report?["issues"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["check.deadline-exceeded"], "\(out.stdout)")
        #expect(report?["eligible"] as? Bool == false)
    }

    @Test func aBadDeadlineIsAUsageError() async throws {
        let out = try await Tool.run(try Tool.preloadBinary(), ["check", "good.test", "--domain-timeout", "0"])
        #expect(out.status == 64, "\(out.stderr)")
    }

    @Test func validateAllRecordsTheDeadlineAsAFailedValidation() async throws {
        let cli = try await PreloadCLI("preload-deadline")
        let t0 = LifecycleEndToEndTests.today()
        try await ValidateAllKillTests.seedListed(cli, [ValidateAllKillTests.good, ValidateAllKillTests.stalled], at: t0)
        let now = t0.adding(days: 1)
        // life-stall's host would hold its probe for 60 s; its deadline of 8 s comes first. life-kill answers
        // at once and stays listed.
        let run = try await cli.run(["validate-all", "--no-publish", "--timeout", "60", "--domain-timeout", "8", "--format", "json"],
                                    at: now)
        #expect(run.status == 0, "\(run.stderr)")
        let (_, status) = try await cli.json(["status", ValidateAllKillTests.stalled], at: now)
        #expect(status["state"] as? String == "failing")
        let last = (status["validations"] as? [[String: Any]])?.first
        #expect(last?["error_codes"] as? [String] == ["check.deadline-exceeded"], "\(status)")
        #expect(try await cli.state(of: ValidateAllKillTests.good, at: now) == "listed")
    }
}
