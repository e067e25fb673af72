import PreloadCore
@testable import PreloadChecker

/// An in-memory DNS for checker unit tests.
struct FakeDNS: CheckerDNS {
    var mxRecords: [String: DNSLookup<[MXRecord]>] = [:]
    var a: [String: DNSLookup<[String]>] = [:]
    var aaaa: [String: DNSLookup<[String]>] = [:]
    var txtRecords: [String: DNSLookup<[String]>] = [:]

    func mx(_ domain: DomainName) async -> DNSLookup<[MXRecord]> { mxRecords[domain.value] ?? .nxdomain }
    func ipv4(_ host: DomainName) async -> DNSLookup<[String]> { a[host.value] ?? .noData }
    func ipv6(_ host: DomainName) async -> DNSLookup<[String]> { aaaa[host.value] ?? .noData }
    func txt(_ name: String) async -> DNSLookup<[String]> { txtRecords[name] ?? .nxdomain }
}

/// Probe outcomes by address.
struct FakeSMTP: SMTPProbing {
    var outcomes: [String: SMTPOutcome]
    func probe(host: DomainName, address: String) async -> SMTPOutcome {
        outcomes[address] ?? .connectFailed("connection refused")
    }
}

/// Policy fetch outcomes by domain.
struct FakeHTTPS: PolicyFetching {
    var outcomes: [String: PolicyFetchOutcome] = [:]
    func fetchPolicy(domain: DomainName, addresses: [String]) async -> PolicyFetchOutcome {
        outcomes[domain.value] ?? .failed(TransferError(code: 7, message: "connection refused"))
    }
}

let now = Timestamp(rfc3339: "2026-11-29T12:00:00Z")!

func cert(for names: [String], notBefore: Timestamp = now.adding(days: -30),
          notAfter: Timestamp = now.adding(days: 60)) -> CertificateFacts {
    CertificateFacts(subject: "CN=\(names.first ?? "x")", issuer: "CN=Test CA", dnsNames: names,
                     notBefore: notBefore, notAfter: notAfter)
}

func goodTLS(_ names: [String]) -> SMTPOutcome {
    .tlsEstablished(TLSFacts(version: .tls1_3, cipher: "TLS_AES_256_GCM_SHA384", chain: [cert(for: names)],
                             chainTrusted: true, nameMatches: true))
}

/// A domain with two MX hosts (one with two addresses), a valid MTA-STS record and policy, and TLS-RPT.
func goodWorld() -> (FakeDNS, FakeSMTP, FakeHTTPS) {
    var dns = FakeDNS()
    dns.mxRecords["good.test"] = .found([MXRecord(preference: 10, exchange: "mx1.good.test"),
                                         MXRecord(preference: 20, exchange: "mx2.good.test")], dnssec: .insecure)
    dns.a["mx1.good.test"] = .found(["127.0.10.1", "127.0.10.2"], dnssec: .insecure)
    dns.a["mx2.good.test"] = .found(["127.0.10.3"], dnssec: .insecure)
    dns.a["mta-sts.good.test"] = .found(["127.0.20.1"], dnssec: .insecure)
    dns.txtRecords["_mta-sts.good.test"] = .found(["v=STSv1; id=20261129"], dnssec: .insecure)
    dns.txtRecords["_smtp._tls.good.test"] = .found(["v=TLSRPTv1; rua=mailto:tlsrpt@good.test"], dnssec: .insecure)
    let smtp = FakeSMTP(outcomes: ["127.0.10.1": goodTLS(["mx1.good.test"]), "127.0.10.2": goodTLS(["mx1.good.test"]),
                                   "127.0.10.3": goodTLS(["*.good.test"])])
    let https = FakeHTTPS(outcomes: ["good.test": .fetched(contentType: "text/plain; charset=utf-8",
        body: Array("version: STSv1\nmode: enforce\nmx: *.good.test\nmax_age: 604800\n".utf8))])
    return (dns, smtp, https)
}

func check(_ domain: String, _ world: (FakeDNS, FakeSMTP, FakeHTTPS), concurrency: Int = 4) async -> DomainReport {
    let checker = Checker(dns: world.0, smtp: world.1, https: world.2, clock: FixedTime(now),
                          settings: CheckerSettings(concurrency: concurrency))
    return await checker.check(try! DomainName(domain))
}

extension PolicyFetchOutcome {
    /// An HTTP 200 answer.
    static func fetched(contentType: String?, body: [UInt8]) -> PolicyFetchOutcome {
        .response(HTTPResponse(status: 200, contentType: contentType, body: body))
    }
}
