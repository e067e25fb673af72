import Foundation
import PreloadChecker
import PreloadCore
import PreloadNetwork
import PreloadTesting
import Testing

/// The checker with DANE over the test bed's signed zone: libunbound validating with the zone's trust
/// anchor, OpenSSL's DANE in every handshake. Each DANE scenario gives its codes, and only those.
@Suite struct DANECheckerIntegrationTests {
    private func checker() async throws -> (Checker, NetTestBed) {
        let bed = try await NetTestBed.shared
        let clock = FixedTime(Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970)))
        let live = try LiveNetwork(NetworkSettings(dnsForwarder: bed.dns.server, caFile: bed.caFile,
            timeout: CheckerIntegrationTests.stepTimeout,
            smtpPort: bed.smtpPort, httpsPort: bed.httpsPort, trustAnchor: try bed.requireTrustAnchor()), clock: clock)
        return (live.checker(clock: clock, settings: CheckerSettings(concurrency: 16)), bed)
    }

    @Test func everyDANEScenarioGivesItsCodes() async throws {
        let (checker, bed) = try await checker()
        let names = bed.domains.filter { $0.value.dane != nil }.keys.sorted()
        try #require(names.count >= 9, "DANE scenarios: \(names)")
        let reports = await checker.check(try names.map { try DomainName($0) })
        var seen: Set<IssueCode> = []
        for report in reports {
            let facts = try bed.domain(report.domain)
            let wantDANE = Set((facts.dane?.expect ?? []).map { IssueCode(rawValue: $0) })
            let want = Set((facts.expect ?? []).map { IssueCode(rawValue: $0) }).union(wantDANE)
            let got = Set(report.issues.map(\.code))
            seen.formUnion(got)
            #expect(want.isSubset(of: got), "\(report.domain): want \(want.sorted()), got \(got.sorted())")
            // No DANE code beyond those of the scenario.
            #expect(Set(got.filter { $0.rawValue.hasPrefix("dane.") }) == wantDANE, "\(report.domain): \(got.sorted())")
            #expect(report.eligible == !want.contains { $0.entry?.severity == .error },
                    "\(report.domain): \(CheckerIntegrationTests.blocking(report))")
            // The per-address verdict: matched where the records are usable and match, no-match after the renewal.
            let verdicts = report.mx.flatMap(\.addresses).map(\.dane)
            switch report.domain {
            case "renewed.dane.test": #expect(verdicts == ["no-match"] && report.mx[0].addresses[0].passed == false)
            case "ee.dane.test", "ta.dane.test", "no-rollover.dane.test", "cname.dane.test", "sts.dane.test":
                #expect(verdicts == ["matched"], "\(report.domain): \(verdicts)")
            default: #expect(verdicts.allSatisfy { $0 == nil }, "\(report.domain): \(verdicts)")  // no usable, validated records
            }
        }
        for code in ["dane.tlsa-mismatch", "dane.tlsa-bogus", "dane.tlsa-unusable", "dane.no-rollover", "dane.mx-insecure",
                     "dane.not-listable"] as [IssueCode] {
            #expect(seen.contains(code), "\(code) never produced")
        }
    }

    @Test func withoutATrustAnchorForTheZoneDANEIsNotChecked() async throws {
        // The same domains with the root key only: dane.test is under test., which has no anchor (insecure), so
        // the MX RRsets are insecure; only the domain that publishes TLSA records hears that they go unused.
        let bed = try await NetTestBed.shared
        _ = try bed.requireTrustAnchor()
        let clock = FixedTime(Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970)))
        let live = try LiveNetwork(NetworkSettings(dnsForwarder: bed.dns.server, caFile: bed.caFile, timeout: 5,
            smtpPort: bed.smtpPort, httpsPort: bed.httpsPort), clock: clock)
        let reports = await live.checker(clock: clock, settings: CheckerSettings()).check(
            [try DomainName("renewed.dane.test"), try DomainName("good.test")].filter { bed.domains[$0.value] != nil })
        for report in reports {
            let dane = report.issues.map(\.code).filter { $0.rawValue.hasPrefix("dane.") }
            #expect(dane.allSatisfy { $0 == "dane.mx-insecure" }, "\(report.domain): \(dane)")
            #expect(!report.issues.contains { $0.code == "dane.tlsa-mismatch" })
        }
    }
}
