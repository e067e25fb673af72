import Foundation
import PreloadCore
import PreloadDNS
import PreloadSMTPProbe
import PreloadTesting
import Testing

/// OpenSSL's DANE evaluation in the probe's STARTTLS handshake, over the test bed's DANE scenarios: records
/// looked up through libunbound with the test zone's trust anchor (validated), then handed to the probe.
@Suite struct DANEProbeTests {
    private struct Probed {
        var tls: TLSFacts?
        var verdict: DANEVerdict?
        var rrset: TLSARRset
    }

    /// Looks up the TLSA RRset of the scenario's first MX host (at the CNAME target when it is an alias) and
    /// probes its first address with it.
    private func probe(_ domain: String, as name: String? = nil) async throws -> Probed {
        let bed = try await NetTestBed.shared
        let dns = try DNSResolver(.init(upstream: .forwarder(bed.dns.server), trustAnchor: .file(try bed.requireTrustAnchor()),
                                        timeout: 5))
        let (host, address) = try bed.mxAddress(domain)
        let target = await dns.a(host).canonicalName
        let owner = "_25._tcp.\(target ?? host)"
        let answer = await dns.tlsa(owner)
        try #require(answer.dnssec == .secure, "\(owner): \(answer.dnssec)")
        let rrset = TLSARRset(owner: owner, rdata: answer.records.map { [$0.usage, $0.selector, $0.matchingType] + $0.data })
        let prober = try SMTPProbe(trust: .caFile(bed.caFile))
        let result = await prober.probe(host: name ?? host, address: address, port: bed.smtpPort,
                                        dane: DANERequest(records: rrset.usable, extraNames: target.map { [$0] } ?? []))
        return Probed(tls: result.tls, verdict: result.dane, rrset: rrset)
    }

    @Test func daneEEMatchesASelfSignedCertificate() async throws {
        let probed = try await probe("ee.dane.test")
        let verdict = try #require(probed.verdict)
        #expect(verdict.outcome == .matched)
        #expect(verdict.matchedDepth == 0)
        #expect(verdict.matchedRecord?.usage == .daneEE)
        #expect(verdict.recordsUsed == 2)
        // The Web-PKI verdict is reported beside it, unchanged: self-signed is not trusted.
        #expect(probed.tls?.verification.chainTrusted == false)
        // Current + next: ready for the next key.
        #expect(probed.rrset.rolloverIssue(matchedNow: Set(verdict.matchedRecord.map { [$0] } ?? [])) == nil)
    }

    @Test func daneTAMatchesAtTheAnchorsDepth() async throws {
        let probed = try await probe("ta.dane.test")
        let verdict = try #require(probed.verdict)
        #expect(verdict.outcome == .matched)
        #expect(verdict.matchedDepth == 1)
        #expect(verdict.matchedRecord?.usage == .daneTA)
        #expect(probed.tls?.verification.chainTrusted == false)  // a CA that only DANE trusts
    }

    @Test func daneTAChecksTheReferenceIdentifiers() async throws {
        // The same server and records, reached under a name its certificate does not carry (RFC 7672 §3.2.2).
        let probed = try await probe("ta.dane.test", as: "other.ta.dane.test")
        #expect(probed.verdict?.outcome == .nameMismatch)
    }

    @Test func aRenewalWithoutItsRecordIsAMismatch() async throws {
        let probed = try await probe("renewed.dane.test")
        #expect(probed.verdict?.outcome == .noMatch)
        #expect(probed.verdict?.matchedRecord == nil)
        #expect(probed.tls?.verification.chainTrusted == true)  // the Web PKI is happy: only DANE fails
    }

    @Test func onlyTheCurrentKeyMeansNoRollover() async throws {
        let probed = try await probe("no-rollover.dane.test")
        let verdict = try #require(probed.verdict)
        #expect(verdict.outcome == .matched)
        let matched = try #require(verdict.matchedRecord)
        #expect(probed.rrset.rolloverIssue(matchedNow: [matched])?.code == "dane.no-rollover")
    }

    @Test func aCNAMEdHostMatchesTheRecordsOfItsTarget() async throws {
        let probed = try await probe("cname.dane.test")
        #expect(probed.rrset.owner == "_25._tcp.host.cname-target.dane.test")
        #expect(probed.verdict?.outcome == .matched)
    }

    @Test func pkixUsagesGiveOpenSSLNothingToEvaluate() async throws {
        let bed = try await NetTestBed.shared
        let (host, address) = try bed.mxAddress("pkix.dane.test")
        let records = try (try bed.domain("pkix.dane.test").dane?.tlsa ?? []).map {
            try TLSARecordParser.parse(text: "\($0.params) \($0.data)").get()
        }
        #expect(records.count == 2 && records.allSatisfy { !$0.isUsableForSMTP })
        let result = await (try SMTPProbe(trust: .caFile(bed.caFile))).probe(
            host: host, address: address, port: bed.smtpPort, dane: DANERequest(records: records))
        #expect(result.dane?.outcome == .noUsableRecords)
        #expect(result.tls?.verification.chainTrusted == true)
    }

    @Test func withoutRecordsTheProbeIsAsBefore() async throws {
        let bed = try await NetTestBed.shared
        let (host, address) = try bed.mxAddress("sts.dane.test")
        let result = await (try SMTPProbe(trust: .caFile(bed.caFile))).probe(host: host, address: address, port: bed.smtpPort)
        #expect(result.dane == nil)
        #expect(result.tls?.verification.chainTrusted == true && result.tls?.verification.nameMatches == true)
    }
}
