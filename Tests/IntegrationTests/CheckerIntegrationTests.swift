import Foundation
import PreloadChecker
import PreloadCore
import PreloadNetwork
import PreloadTesting
import Testing

/// The checker over the real network wrappers against every scenario of the test bed: each issue code
/// arises from a real server misbehaving, and eligible domains pass with every address probed.
@Suite(.serialized) struct CheckerIntegrationTests {
    /// Each network step's deadline in the scenario tests. It leaves room for a test bed under the whole
    /// parallel suite: a Postfix that must start an `smtpd` for a listener while every core is busy can take
    /// seconds before its banner (CI once saw seven listeners miss a 5-second deadline at once).
    static let stepTimeout: Double = 10

    /// A report's blocking findings with their texts, for failure messages.
    static func blocking(_ report: DomainReport) -> [String] {
        report.issues.filter { $0.severity == .error }.map { "\($0.code): \($0.message)" }
    }

    static func checker(timeout: Double = stepTimeout, concurrency: Int = 32,
                        domainTimeout: Double? = CheckerSettings.defaultDomainTimeout) async throws -> (Checker, NetTestBed) {
        let bed = try await NetTestBed.shared
        let clock = FixedTime(Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970)))
        let live = try LiveNetwork(NetworkSettings(dnsForwarder: bed.dns.server, caFile: bed.caFile,
            timeout: timeout, smtpPort: bed.smtpPort, httpsPort: bed.httpsPort), clock: clock)
        return (live.checker(clock: clock, settings: CheckerSettings(concurrency: concurrency, domainTimeout: domainTimeout)), bed)
    }

    @Test func everyScenarioYieldsItsIssueCode() async throws {
        let (checker, bed) = try await Self.checker()
        // `life-*` scenarios are changed at run time by LifecycleEndToEndTests (expired certificates, opt-out
        // policies), which run in parallel: their expectations hold only between those changes.
        let names = bed.domains.keys.sorted().filter { !$0.hasPrefix("life-") }
        let reports = await checker.check(names.map { try! DomainName($0) })
        #expect(reports.count == names.count)
        var covered = Set<IssueCode>()
        for report in reports {
            let expected = Set((bed.domains[report.domain]?.expect ?? []).map { IssueCode(rawValue: $0) })
            let got = Set(report.issues.filter { $0.severity != .info }.map(\.code))
            #expect(expected.isSubset(of: got), "\(report.domain): expected \(expected.sorted()), got \(got.sorted())")
            // Scenarios expecting only warnings stay eligible; the others are refused.
            let expectErrors = expected.contains { $0.entry?.severity == .error }
            #expect(report.eligible == !expectErrors, "\(report.domain) eligible=\(report.eligible) errors=\(Self.blocking(report))")
            covered.formUnion(got)
        }
        let required: [IssueCode] = [
            "dns.lookup-failed", "mx.missing", "mx.null", "mx.unresolvable", "smtp.unreachable",
            "smtp.starttls-missing", "smtp.starttls-failed", "tls.version-too-old", "tls.cert-untrusted",
            "tls.cert-expired", "tls.cert-name-mismatch", "tls.cert-expiring-soon", "mta-sts.txt-missing",
            "mta-sts.txt-invalid", "mta-sts.txt-multiple", "mta-sts.policy-fetch-failed",
            "mta-sts.policy-tls-invalid", "mta-sts.policy-redirect", "mta-sts.policy-content-type",
            "mta-sts.policy-too-large", "mta-sts.policy-invalid", "mta-sts.policy-mx-uncovered",
            "mta-sts.policy-mode-testing", "mta-sts.policy-mode-none", "tls-rpt.missing", "tls-rpt.invalid",
        ]
        #expect(Set(required).subtracting(covered).isEmpty, "codes never produced: \(Set(required).subtracting(covered).sorted())")
    }

    /// Issue 14's rule corrections against real servers: nginx serving the policy as text/html blocks;
    /// an invalid TLS-RPT record, or two of them, are warnings on an otherwise eligible domain.
    @Test func aPolicyNotServedAsTextPlainBlocksAndTLSRPTProblemsDoNot() async throws {
        let (checker, _) = try await Self.checker()
        let reports = await checker.check(["policy-content-type.test", "tlsrpt-invalid.test", "tlsrpt-multiple.test"]
            .map { try! DomainName($0) })
        let html = reports[0]
        #expect(html.mtaSTS?.contentType?.hasPrefix("text/html") == true)
        #expect(html.issues.filter { $0.severity == .error }.map(\.code) == ["mta-sts.policy-content-type"])
        #expect(!html.eligible)
        for (report, code) in zip(reports.dropFirst(), ["tls-rpt.invalid", "tls-rpt.multiple"] as [IssueCode]) {
            #expect(report.issues.map(\.code) == [code], "\(report.domain)")
            #expect(report.issues.allSatisfy { $0.severity == .warning }, "\(report.domain)")
            #expect(report.eligible, "\(report.domain)")
            #expect(report.tlsRPT?.record == "invalid")
        }
    }

    /// A TLS-RPT record ending in whitespace, served by the test bed's unbound (added at run time under a
    /// name of its own, MX on notify.test's Postfix): read, with a warning, and the domain stays eligible.
    @Test func aTLSRPTRecordWithTrailingWhitespaceIsReadWithAWarning() async throws {
        let (checker, bed) = try await Self.checker()
        let domain = "tlsrpt-space-\(UInt32.random(in: 0...UInt32.max)).test"
        let mx = try #require(try bed.domain(bed.notifyDomain).mx.first)
        let record = "v=TLSRPTv1; rua=mailto:tlsrpt@\(bed.notifyDomain) "
        #expect(try await bed.run(["dns-add", domain, "MX", "10 \(mx.host)."]) == 0)
        #expect(try await bed.run(["dns-add", "_smtp._tls." + domain, "TXT", record]) == 0)
        let report = await checker.check(try DomainName(domain))
        #expect(report.issueCodes == ["mta-sts.txt-missing", "tls-rpt.whitespace"])
        #expect(report.tlsRPT?.record == "valid")
        #expect(report.tlsRPT?.rua == ["mailto:tlsrpt@\(bed.notifyDomain)"])
        #expect(report.eligible)
        _ = try await bed.run(["dns-remove", domain])
        _ = try await bed.run(["dns-remove", "_smtp._tls." + domain])
    }

    @Test func goodDomainProbesEveryAddressOfEveryMX() async throws {
        let (checker, bed) = try await Self.checker()
        let report = await checker.check(try DomainName("good.test"))
        #expect(report.eligible)
        let expected = try bed.domain("good.test").mx.flatMap(\.addresses).sorted()
        let probed = report.mx.flatMap(\.addresses).map(\.address).sorted()
        #expect(probed == expected)
        #expect(expected.count >= 3)
        #expect(report.mx.flatMap(\.addresses).allSatisfy { $0.passed && $0.tlsVersion != nil })
        #expect(report.mtaSTS?.policy?.mode == .enforce)
    }

    @Test func aServerThatNeverAnswersCannotHangTheCheck() async throws {
        // no-banner.test accepts connections and never sends a banner: the check must return, with
        // smtp.unreachable, once the per-step deadline (1 s here) has passed.
        let (checker, _) = try await Self.checker(timeout: 1)
        let report = await checker.check(try DomainName("no-banner.test"))
        #expect(report.issueCodes.contains("smtp.unreachable"))
        #expect(!report.eligible)
    }

    @Test func theDomainDeadlineCutsOffAHostThatStallsLongerThanIt() async throws {
        // The stalling host would hold its probe for the 60 s banner deadline; the domain's own deadline of
        // 2 s ends the check first, with the finding that names the probe still pending.
        let (checker, _) = try await Self.checker(timeout: 60, domainTimeout: 2)
        let report = await checker.check(try DomainName("no-banner.test"))
        #expect(report.issueCodes == ["check.deadline-exceeded"])
        #expect(!report.eligible)
        #expect(report.issues.first?.message.contains("mx1.no-banner.test [127.0.21.1]") == true,
                "\(report.issues.first?.message ?? "")")
    }

    @Test func aDomainOutsideTheTestBedIsReportedNotHung() async throws {
        let (checker, _) = try await Self.checker(timeout: 2)
        let report = await checker.check(try DomainName("does-not-exist.test"))
        #expect(report.issueCodes == ["mx.missing"])
    }
}
