import PreloadCore
import PreloadTesting
import Testing
@testable import PreloadChecker

@Suite struct CheckerTests {
    @Test func goodDomainIsEligibleAndEveryAddressIsProbed() async {
        let report = await check("good.test", goodWorld())
        #expect(report.eligible)
        #expect(report.issues.filter { $0.severity == .error }.isEmpty)
        #expect(report.mx.map(\.host) == ["mx1.good.test", "mx2.good.test"])
        #expect(report.mx[0].addresses.map(\.address) == ["127.0.10.1", "127.0.10.2"])
        #expect(report.mx.allSatisfy { $0.addresses.allSatisfy(\.passed) })
        #expect(report.mtaSTS?.policy?.mode == .enforce)
        #expect(report.mtaSTS?.id == "20261129")
        #expect(report.tlsRPT?.rua == ["mailto:tlsrpt@good.test"])
    }

    @Test func oneFailingAddressMakesTheDomainIneligible() async {
        var world = goodWorld()
        world.1.outcomes["127.0.10.2"] = .starttlsNotOffered
        let report = await check("good.test", world)
        #expect(!report.eligible)
        #expect(report.issueCodes == ["smtp.starttls-missing"])
        #expect(report.issues.first?.subject == "mx1.good.test [127.0.10.2]")
    }

    @Test(arguments: [
        (SMTPOutcome.connectFailed("refused"), IssueCode("smtp.unreachable")),
        (.bannerTimeout, "smtp.unreachable"),
        (.protocolError("garbage"), "smtp.protocol-error"),
        (.starttlsNotOffered, "smtp.starttls-missing"),
        (.starttlsRefused("454 TLS not available"), "smtp.starttls-failed"),
        (.handshakeFailed("alert"), "smtp.starttls-failed"),
    ])
    func probeOutcomesMapToCodes(outcome: SMTPOutcome, code: IssueCode) async {
        var world = goodWorld()
        world.1.outcomes["127.0.10.3"] = outcome
        let report = await check("good.test", world)
        #expect(report.issueCodes == [code])
        #expect(!report.eligible)
    }

    @Test func tlsFactsAreJudgedAgainstTheClock() async {
        var world = goodWorld()
        let expired = cert(for: ["mx2.good.test"], notBefore: now.adding(days: -90), notAfter: now.adding(days: -1))
        world.1.outcomes["127.0.10.3"] = .tlsEstablished(TLSFacts(version: .tls1_2, cipher: "x", chain: [expired],
            chainTrusted: false, chainError: .certHasExpired, nameMatches: true))
        #expect(await check("good.test", world).issueCodes == ["tls.cert-expired"])

        let soon = cert(for: ["mx2.good.test"], notAfter: now.adding(days: 5))
        world.1.outcomes["127.0.10.3"] = .tlsEstablished(TLSFacts(version: .tls1_3, cipher: "x", chain: [soon],
            chainTrusted: true, nameMatches: true))
        let report = await check("good.test", world)
        #expect(report.issueCodes == ["tls.cert-expiring-soon"])
        #expect(report.eligible, "an expiring certificate is a warning only")

        world.1.outcomes["127.0.10.3"] = .tlsEstablished(TLSFacts(version: .tls1_0, cipher: "x",
            chain: [cert(for: ["mx2.good.test"])], chainTrusted: false, chainError: .depthZeroSelfSignedCert,
            nameMatches: false))
        #expect(await check("good.test", world).issueCodes
            == ["tls.cert-name-mismatch", "tls.cert-untrusted", "tls.version-too-old"])
    }

    @Test func mxSetProblems() async {
        var world = goodWorld()
        world.0.mxRecords["good.test"] = .found([MXRecord(preference: 0, exchange: ".")], dnssec: .insecure)
        #expect(await check("good.test", world).issueCodes.contains("mx.null"))
        world.0.mxRecords["good.test"] = .noData
        #expect(await check("good.test", world).issueCodes.contains("mx.missing"))
        world.0.mxRecords["good.test"] = .failed(.servfail("SERVFAIL"))
        #expect(await check("good.test", world).issueCodes.contains("dns.lookup-failed"))
        world.0.mxRecords["good.test"] = .failed(.resolverUnreachable("no answer from 127.0.0.1@1"))
        #expect(await check("good.test", world).resolverUnreachable)
        world = goodWorld()
        world.0.a["mx2.good.test"] = .nxdomain
        let report = await check("good.test", world)
        #expect(report.issueCodes == ["mx.unresolvable"])
        #expect(!report.eligible)
    }

    @Test func policyMustCoverEveryMX() async {
        var world = goodWorld()
        world.2.outcomes["good.test"] = .fetched(contentType: "text/plain",
            body: Array("version: STSv1\nmode: enforce\nmx: mx1.good.test\nmax_age: 604800\n".utf8))
        let report = await check("good.test", world)
        #expect(report.issueCodes == ["mta-sts.policy-mx-uncovered"])
        #expect(report.issues.first?.subject == "mx2.good.test")
    }

    @Test(arguments: [
        (PolicyFetchOutcome.redirect(status: 301, location: "https://elsewhere.test/"), IssueCode("mta-sts.policy-redirect")),
        (.response(HTTPResponse(status: 404, contentType: nil, body: [])), "mta-sts.policy-fetch-failed"),
        (.tlsFailure(TransferError(code: 60, message: "certificate has expired")), "mta-sts.policy-tls-invalid"),
        (.tooLarge(status: 200, limit: 65536), "mta-sts.policy-too-large"),
        (.failed(TransferError(code: 7, message: "timeout")), "mta-sts.policy-fetch-failed"),
    ])
    func policyFetchOutcomes(outcome: PolicyFetchOutcome, code: IssueCode) async {
        var world = goodWorld()
        world.2.outcomes["good.test"] = outcome
        let report = await check("good.test", world)
        #expect(report.issueCodes == [code])
        #expect(!report.eligible)
    }

    @Test func policyModesAndContentType() async {
        var world = goodWorld()
        world.2.outcomes["good.test"] = .fetched(contentType: "text/html",
            body: Array("version: STSv1\nmode: testing\nmx: *.good.test\nmax_age: 604800\n".utf8))
        let report = await check("good.test", world)
        #expect(report.issueCodes == ["mta-sts.policy-content-type", "mta-sts.policy-mode-testing"])
        #expect(!report.eligible, "widely used senders ignore a policy that is not text/plain: it blocks")
        #expect(report.issues.first { $0.code == "mta-sts.policy-content-type" }?.severity == .error)

        world.2.outcomes["good.test"] = .fetched(contentType: "text/plain",
            body: Array("version: STSv1\nmode: testing\nmx: *.good.test\nmax_age: 604800\n".utf8))
        #expect(await check("good.test", world).eligible, "testing mode alone is a warning")

        world.2.outcomes["good.test"] = .fetched(contentType: "text/plain",
            body: Array("version: STSv1\nmode: none\nmax_age: 86400\n".utf8))
        let none = await check("good.test", world)
        #expect(none.issueCodes.contains("mta-sts.policy-mode-none"))
        #expect(!none.eligible)

        world.2.outcomes["good.test"] = .fetched(contentType: "text/plain", body: Array("mode: Enforce\n".utf8))
        let invalid = await check("good.test", world)
        #expect(invalid.issueCodes.contains("mta-sts.policy-invalid"))
        #expect(!invalid.eligible)
    }

    @Test(arguments: ["text/plain", "TEXT/PLAIN", "Text/Plain; charset=UTF-8", "text/plain;charset=us-ascii",
                      " text/plain ; format=flowed"])
    func textPlainIsAcceptedWhateverItsCaseAndParameters(contentType: String) async {
        var world = goodWorld()
        world.2.outcomes["good.test"] = .fetched(contentType: contentType,
            body: Array("version: STSv1\nmode: enforce\nmx: *.good.test\nmax_age: 604800\n".utf8))
        let report = await check("good.test", world)
        #expect(report.issueCodes.isEmpty)
        #expect(report.eligible)
        #expect(report.mtaSTS?.contentType == contentType)
    }

    @Test(arguments: ["text/html", "application/octet-stream", "text/plainx", "text/plain-text", "text", "", nil] as [String?])
    func anyOtherMediaTypeBlocks(contentType: String?) async {
        var world = goodWorld()
        world.2.outcomes["good.test"] = .fetched(contentType: contentType,
            body: Array("version: STSv1\nmode: enforce\nmx: *.good.test\nmax_age: 604800\n".utf8))
        let report = await check("good.test", world)
        #expect(report.issueCodes == ["mta-sts.policy-content-type"])
        #expect(report.issues.map(\.severity) == [.error])
        #expect(!report.eligible)
    }

    @Test func recordsMissingAreWarningsOnly() async {
        var world = goodWorld()
        world.0.txtRecords["_mta-sts.good.test"] = .noData
        world.0.txtRecords["_smtp._tls.good.test"] = .nxdomain
        let report = await check("good.test", world)
        #expect(report.issueCodes == ["mta-sts.txt-missing", "tls-rpt.missing"])
        #expect(report.eligible)
        #expect(report.mtaSTS?.record == "absent")
    }

    @Test func recordProblemsBlock() async {
        var world = goodWorld()
        world.0.txtRecords["_mta-sts.good.test"] = .found(["v=STSv1; id=a", "v=STSv1; id=b"], dnssec: .insecure)
        #expect(await check("good.test", world).issueCodes == ["mta-sts.txt-multiple"])
        world.0.txtRecords["_mta-sts.good.test"] = .found(["v=STSv1; id=not-valid!"], dnssec: .insecure)
        #expect(await check("good.test", world).issueCodes.contains("mta-sts.txt-invalid"))
    }

    /// TLS-RPT is optional for senders (RFC 8460): what is wrong with it is shown, and never blocks.
    @Test(arguments: [
        (DNSLookup<[String]>.found(["v=TLSRPTv1; rua=ftp://x"], dnssec: .insecure), IssueCode("tls-rpt.invalid"), "invalid"),
        (.found(["v=TLSRPTv1; rua=mailto:a@good.test", "v=TLSRPTv1; rua=mailto:b@good.test"], dnssec: .insecure),
         "tls-rpt.multiple", "invalid"),
        (.found(["v=TLSRPTv1; rua=mailto:tlsrpt@good.test "], dnssec: .insecure), "tls-rpt.whitespace", "valid"),
        (.failed(.servfail("SERVFAIL")), "dns.lookup-failed", "unknown"),
    ])
    func tlsRPTProblemsAreWarnings(answer: DNSLookup<[String]>, code: IssueCode, status: String) async {
        var world = goodWorld()
        world.0.txtRecords["_smtp._tls.good.test"] = answer
        let report = await check("good.test", world)
        #expect(report.issueCodes == [code])
        #expect(report.issues.map(\.severity) == [.warning])
        #expect(report.eligible)
        #expect(report.tlsRPT?.record == status)
    }

    @Test func manyDomainsComeBackInOrder() async {
        let world = goodWorld()
        let checker = Checker(dns: world.0, smtp: world.1, https: world.2, clock: FixedTime(now),
                              settings: CheckerSettings(concurrency: 2))
        let names = ["good.test", "absent.test", "good.test"].map { try! DomainName($0) }
        let reports = await checker.check(names)
        #expect(reports.map(\.domain) == ["good.test", "absent.test", "good.test"])
        #expect(reports.map(\.eligible) == [true, false, true])
    }
}

@Suite struct ProbeLimiterTests {
    actor Gauge {
        var current = 0, peak = 0
        func enter() { current += 1; peak = max(peak, current) }
        func leave() { current -= 1 }
    }

    @Test(arguments: [1, 3, 8])
    func neverExceedsItsLimit(limit: Int) async {
        let limiter = ProbeLimiter(limit: limit)
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    _ = await limiter.withSlot {
                        await gauge.enter()
                        await Task.yield()
                        await gauge.leave()
                    }
                }
            }
        }
        #expect(await gauge.peak <= limit)
        #expect(await gauge.current == 0)
    }
}
