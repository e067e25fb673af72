import Foundation
import PreloadDNS
import PreloadTesting
import Testing
import PreloadCore

/// libunbound against the test bed's unbound (forwarder 127.0.0.1@PORT, `test.` zone).
@Suite struct DNSResolverTests {
    private func resolver(timeout: Double = 5) async throws -> (DNSResolver, NetTestBed) {
        let bed = try await NetTestBed.shared
        return (try DNSResolver(.forwarding(to: bed.dns.server, timeout: timeout)), bed)
    }

    @Test func mxRecordsOfADomainWithTwoHosts() async throws {
        let (dns, bed) = try await resolver()
        let answer = await dns.mx("good.test")
        let expected = try bed.domain("good.test").mx.map { MXRecord(preference: UInt16($0.preference), exchange: $0.host) }
        #expect(Set(answer.records) == Set(expected))
        #expect(answer.records.count == 2)
        #expect(answer.ttl != nil)
        #expect(answer.dnssec != .secure)  // the test zone is unsigned
    }

    @Test func addressesOfAnMXHostWithTwoAddresses() async throws {
        let (dns, bed) = try await resolver()
        let mx = try #require(try bed.domain("good.test").mx.first { $0.addresses.count > 1 })
        let answer = await dns.a(mx.host)
        #expect(Set(answer.records.map(\.address)) == Set(mx.addresses))
    }

    @Test func aaaaRecordOnIPv6Loopback() async throws {
        let (dns, bed) = try await resolver()
        let v6 = try bed.domain("good2.test").mx.flatMap(\.addresses).filter { $0.contains(":") }
        let answer = await dns.aaaa(try #require(bed.domain("good2.test").mx.first).host)
        if bed.ipv6 {
            #expect(answer.records.map(\.address) == v6)
        } else {
            #expect(answer.outcome == .noData)
        }
    }

    @Test func nullMX() async throws {
        let (dns, _) = try await resolver()
        let answer = await dns.mx("null-mx.test")
        #expect(answer.records == [MXRecord(preference: 0, exchange: ".")])
        #expect(answer.records.first?.isNull == true)
    }

    @Test func noDataIsNotNXDOMAIN() async throws {
        let (dns, _) = try await resolver()
        #expect(await dns.mx("no-mx.test").outcome == .noData)  // the name has an A record, no MX
        #expect(await dns.mx("no-such-name.test").outcome == .nxdomain)
        #expect(await dns.txt("_mta-sts.no-sts.test").outcome == .nxdomain)
    }

    @Test func txtRecordOfMTASTS() async throws {
        let (dns, _) = try await resolver()
        let answer = await dns.txt("_mta-sts.good.test")
        let sts = answer.records.filter { $0.joined.hasPrefix("v=STSv1") }
        #expect(sts.count == 1)
        #expect(answer.canonicalName == nil)
    }

    @Test func txtInTwoStringsBesideAnotherRecord() async throws {
        let (dns, _) = try await resolver()
        let answer = await dns.txt("_mta-sts.good2.test")
        #expect(answer.records.count >= 2)
        let sts = try #require(answer.records.first { $0.joined.hasPrefix("v=STSv1") })
        #expect(sts.strings.count == 2)
        #expect(sts.joined == String(decoding: sts.strings.joined(), as: UTF8.self))
        #expect(sts.isASCII)
    }

    @Test func txtBehindACNAME() async throws {
        let (dns, _) = try await resolver()
        let answer = await dns.txt("_mta-sts.sts-cname.test")
        #expect(answer.canonicalName == "_mta-sts.sts-cname-target.test")
        #expect(answer.records.contains { $0.joined.hasPrefix("v=STSv1") })
    }

    @Test func tlsaRecordAddedAtRunTime() async throws {
        let (dns, bed) = try await resolver()
        let name = "_25._tcp.tlsa-\(UInt32.random(in: 0...UInt32.max)).good.test"
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        #expect(try await bed.run(["dns-add", name, "TLSA", "3", "1", "1", hash]) == 0)
        let answer = await dns.tlsa(name)
        _ = try await bed.run(["dns-remove", name])
        let record = try #require(answer.records.first)
        #expect(record.usage == 3 && record.selector == 1 && record.matchingType == 1)
        #expect(record.dataHex == hash)
    }

    @Test func servfailIsAFailureNotAbsence() async throws {
        let (dns, _) = try await resolver(timeout: 5)
        let answer = await dns.mx("dns-fail.test")
        guard case .servfail = answer.outcome else {
            Issue.record("expected SERVFAIL, got \(answer.outcome)")
            return
        }
        #expect(answer.outcome.isFailure)
    }

    @Test func unansweredDelegationFailsWithinTheDeadline() async throws {
        let (dns, _) = try await resolver(timeout: 2)
        let answer = await dns.mx("dns-timeout.test")
        #expect(answer.outcome.isFailure)  // a timeout, or SERVFAIL if unbound gives up first
    }

    @Test func deadForwarderTimesOutAndIsUnreachable() async throws {
        let dns = try DNSResolver(.forwarding(to: "127.0.0.1@\(try freeUDPPort())", timeout: 1))
        #expect(await dns.mx("good.test").outcome == .timeout)
        guard case .unreachable = await dns.checkReachable(timeout: 1) else {
            Issue.record("a dead forwarder must be unreachable")
            return
        }
    }

    @Test func testBedResolverIsReachable() async throws {
        let (dns, _) = try await resolver()
        #expect(await dns.checkReachable() == .reachable)
    }

    @Test func malformedForwarderIsRefused() {
        #expect(throws: DNSResolverError.self) { try DNSResolver(.forwarding(to: "not-an-address")) }
    }

    @Test func withoutTrustAnchorNothingIsValidated() async throws {
        let bed = try await NetTestBed.shared
        let dns = try DNSResolver(.init(upstream: .forwarder(bed.dns.server), trustAnchor: .none, timeout: 5))
        let answer = await dns.mx("good.test")
        #expect(answer.records.count == 2)
        #expect(answer.dnssec == .unvalidated)
    }

    @Test func manyQueriesAtOnceAllComeBack() async throws {
        let (dns, _) = try await resolver()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask { await dns.mx(i % 2 == 0 ? "good.test" : "no-such-\(i).test").outcome.isFailure }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.count == 64)
        #expect(!outcomes.contains(true))
    }
}

/// A UDP port on 127.0.0.1 with nothing bound to it (bound, read, closed).
func freeUDPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw TestBedError("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw TestBedError("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
