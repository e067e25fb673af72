import Foundation
import PreloadCore
import PreloadDNS
import PreloadTesting
import Testing

/// The test bed's signed zone `dane.test` through libunbound validating with its trust anchor: what the DANE
/// checks and the client stand on (tools/testbed/README.md, "DNSSEC and DANE").
@Suite struct DNSSECTestBedTests {
    private func resolver() async throws -> (DNSResolver, NetTestBed) {
        let bed = try await NetTestBed.shared
        let anchor = try bed.requireTrustAnchor()
        return (try DNSResolver(.init(upstream: .forwarder(bed.dns.server), trustAnchor: .file(anchor), timeout: 5)), bed)
    }

    private func published(_ bed: NetTestBed, _ domain: String, owner: String) throws -> Set<[UInt8]> {
        let dane = try #require(try bed.domain(domain).dane, "\(domain) has no DANE facts")
        return Set(try dane.tlsa.filter { $0.owner == owner }.map { record in
            try TLSARecordParser.parse(text: "\(record.params) \(record.data)").get().rdata
        })
    }

    private func rdata(_ records: [TLSARecord]) -> [[UInt8]] {
        records.map { [$0.usage, $0.selector, $0.matchingType] + $0.data }
    }

    @Test func aSignedDomainValidates() async throws {
        let (dns, bed) = try await resolver()
        let mx = await dns.mx("ee.dane.test")
        #expect(mx.records.map(\.exchange) == ["mx1.ee.dane.test"])
        #expect(mx.dnssec == .secure)
        #expect(await dns.a("mx1.ee.dane.test").dnssec == .secure)
        let owner = "_25._tcp.mx1.ee.dane.test"
        let tlsa = await dns.tlsa(owner)
        #expect(tlsa.dnssec == .secure)
        #expect(Set(rdata(tlsa.records)) == (try published(bed, "ee.dane.test", owner: owner)))
        let set = TLSARRset(owner: owner, rdata: rdata(tlsa.records))
        #expect(set.usable.count == 2 && set.issues.isEmpty)
        // A validated denial: no TLSA records where none are published.
        let none = await dns.tlsa("_25._tcp.nothing.ee.dane.test")
        #expect(none.outcome == .nxdomain && none.dnssec == .secure)
    }

    @Test func anInsecureDelegationIsInsecureNotBogus() async throws {
        let (dns, bed) = try await resolver()
        let mx = await dns.mx("insecure.dane.test")
        #expect(mx.records.map(\.exchange) == ["mx1.insecure.dane.test"])
        #expect(mx.dnssec == .insecure)
        let owner = "_25._tcp.mx1.insecure.dane.test"
        let tlsa = await dns.tlsa(owner)
        #expect(Set(rdata(tlsa.records)) == (try published(bed, "insecure.dane.test", owner: owner)))
        #expect(tlsa.dnssec == .insecure)
    }

    @Test func anExpiredSignatureIsBogus() async throws {
        let (dns, _) = try await resolver()
        #expect(await dns.mx("bogus.dane.test").dnssec == .secure)  // only the TLSA RRset is broken
        let tlsa = await dns.tlsa("_25._tcp.mx1.bogus.dane.test")
        // libunbound validates the records itself and names the reason; no data comes back with it.
        guard case .bogus(let reason) = tlsa.dnssec else {
            Issue.record("bogus TLSA RRset came back as \(tlsa.outcome), \(tlsa.dnssec)")
            return
        }
        #expect(reason.contains("signature expired"))
        #expect(tlsa.outcome.isFailure)
        #expect(tlsa.records.isEmpty)
    }

    @Test func aCNAMEdMXHostHasItsTLSAAtTheTarget() async throws {
        let (dns, bed) = try await resolver()
        let a = await dns.a("mx1.cname.dane.test")
        #expect(a.canonicalName == "host.cname-target.dane.test")
        #expect(a.dnssec == .secure)
        #expect(a.records.map(\.address) == (try bed.domain("cname.dane.test").mx.first?.addresses ?? []))
        #expect(await dns.tlsa("_25._tcp.mx1.cname.dane.test").outcome == .nxdomain)
        let owner = "_25._tcp.host.cname-target.dane.test"
        let tlsa = await dns.tlsa(owner)
        #expect(tlsa.dnssec == .secure)
        #expect(Set(rdata(tlsa.records)) == (try published(bed, "cname.dane.test", owner: owner)))
    }

    @Test func onlyPKIXUsagesAreUnusable() async throws {
        let (dns, _) = try await resolver()
        let owner = "_25._tcp.mx1.pkix.dane.test"
        let tlsa = await dns.tlsa(owner)
        #expect(tlsa.dnssec == .secure && tlsa.records.count == 2)
        #expect(TLSARRset(owner: owner, rdata: rdata(tlsa.records)).issues.map(\.code) == ["dane.tlsa-unusable"])
    }

    @Test func theUnsignedScenariosStayUnvalidated() async throws {
        let (dns, _) = try await resolver()
        let mx = await dns.mx("sts.dane.test")
        #expect(mx.dnssec == .secure)
        // Outside dane.test nothing has a trust anchor: answered as before, not secure and not bogus.
        let bed = try await NetTestBed.shared
        if bed.domains["good.test"] != nil {
            let good = await dns.mx("good.test")
            #expect(!good.records.isEmpty && good.dnssec == .insecure)
        }
    }
}
