import PreloadChecker
import PreloadCore
import PreloadTesting
import Testing

private let current: [UInt8] = [3, 1, 1] + [UInt8](repeating: 0x11, count: 32)
private let next: [UInt8] = [3, 1, 1] + [UInt8](repeating: 0x22, count: 32)
private let old: [UInt8] = [3, 1, 1] + [UInt8](repeating: 0x33, count: 32)
private let anchor: [UInt8] = [2, 0, 1] + [UInt8](repeating: 0x44, count: 32)
private let pkixEE: [UInt8] = [1, 1, 1] + [UInt8](repeating: 0x11, count: 32)
private let pkixTA: [UInt8] = [0, 0, 1] + [UInt8](repeating: 0x55, count: 32)

private func record(_ rdata: [UInt8]) -> TLSAAssociation { try! TLSARecordParser.parse(rdata: rdata).get() }

private func host(_ name: String = "mx1.example.test", addresses: DNSSECStatus? = .secure,
                  tlsa: DANEHostFacts.TLSALookup, owner: String? = nil,
                  _ probed: [(DANEHostFacts.Handshake, Bool)] = []) -> DANEHostFacts {
    DANEHostFacts(host: name, addresses: addresses, tlsaOwner: owner ?? "_25._tcp.\(name)", tlsa: tlsa,
                  probed: probed.enumerated().map { DANEHostFacts.Address(address: "127.0.0.\($0.offset + 1)",
                                                                          handshake: $0.element.0, webPKIValid: $0.element.1) })
}

/// The test bed's DANE scenarios (tools/testbed/scenarios.py), as facts, and the codes each must give.
private let scenarios: [(String, DNSSECStatus, [DANEHostFacts], [IssueCode])] = [
    ("ee", .secure, [host(tlsa: .secure([current, next]), [(.matched(record(current)), false)])], ["dane.not-listable"]),
    ("ta", .secure, [host(tlsa: .secure([anchor]), [(.matched(record(anchor)), false)])], ["dane.not-listable"]),
    ("renewed", .secure, [host(tlsa: .secure([old]), [(.noMatch, true)])], ["dane.tlsa-mismatch"]),
    ("pkix", .secure, [host(tlsa: .secure([pkixEE, pkixTA]))], ["dane.tlsa-unusable"]),
    ("bogus", .secure, [host(tlsa: .bogus("signature expired"))], ["dane.tlsa-bogus"]),
    ("insecure", .insecure, [host(addresses: .insecure, tlsa: .insecure)], ["dane.mx-insecure"]),
    ("unsigned-without-tlsa", .insecure, [host(addresses: .insecure, tlsa: .insecureNone)], []),  // most domains
    ("no-rollover", .secure, [host(tlsa: .secure([current]), [(.matched(record(current)), true)])], ["dane.no-rollover"]),
    ("cname", .secure, [host(tlsa: .secure([current, next]), owner: "_25._tcp.host.target.example.test",
                              [(.matched(record(current)), true)])], []),
    ("sts", .secure, [host(tlsa: .secure([current, next]), [(.matched(record(current)), true), (.matched(record(current)), true)])], []),
    // Beyond the test bed.
    ("ta-name", .secure, [host(tlsa: .secure([anchor, next]), [(.nameMismatch, false)])], ["dane.ta-name-mismatch"]),
    ("partial", .secure, [host(tlsa: .secure([current, next]), [(.matched(record(current)), true)]),
                          host("mx2.example.test", tlsa: .secureNone)], ["dane.partial-coverage"]),
    ("host-insecure", .secure, [host(tlsa: .secure([current, next]), [(.matched(record(current)), true)]),
                                host("mx2.example.test", addresses: .insecure, tlsa: .notLooked)],
     ["dane.host-insecure", "dane.partial-coverage"]),
    ("tlsa-insecure", .secure, [host(tlsa: .insecure)], ["dane.host-insecure"]),
    ("tlsa-failed", .secure, [host(tlsa: .failed("SERVFAIL"))], ["dns.lookup-failed"]),
    ("no-tlsa", .secure, [host(tlsa: .secureNone)], []),
    ("one-address-mismatches", .secure, [host(tlsa: .secure([current, next]), [(.matched(record(current)), true), (.noMatch, true)])],
     ["dane.tlsa-mismatch"]),
    ("malformed-beside-good", .secure, [host(tlsa: .secure([[3, 1, 1, 0xAB], current, next]), [(.matched(record(current)), true)])],
     ["dane.tlsa-malformed"]),
    ("mx-bogus", .bogus(reason: "signature expired"), [host(tlsa: .secure([current]))], []),  // dns.lookup-failed comes from the MX checks
]

@Suite struct DANECheckTests {
    @Test(arguments: scenarios.indices)
    func codesOfEachScenario(index: Int) {
        let (name, mx, hosts, want) = scenarios[index]
        let got = DANECheck.issues(mx: mx, hosts: hosts)
        #expect(got.map(\.code).sorted() == want.sorted(), "\(name): \(got.map(\.code))")
        for issue in got {
            #expect(issue.severity == issue.code.entry?.severity, "\(name): \(issue.code)")
            #expect(issue.subject != nil && !issue.message.isEmpty, "\(name)")
        }
    }

    @Test func mismatchesNameTheAddress() {
        let got = DANECheck.issues(mx: .secure, hosts: [host(tlsa: .secure([old]), [(.matched(record(old)), true), (.noMatch, true)])])
        #expect(got.filter { $0.code == "dane.tlsa-mismatch" }.map(\.subject) == ["mx1.example.test [127.0.0.2]"])
    }

    @Test func aMismatchBlocksAndDANEOnlyDomainsAreNotListable() {
        #expect(DANECheck.issues(mx: .secure, hosts: [host(tlsa: .secure([old]), [(.noMatch, true)])]).hasErrors)
        // DANE passes, the Web PKI does not: information only (the tls.cert-* errors block by themselves).
        let eeOnly = DANECheck.issues(mx: .secure, hosts: [host(tlsa: .secure([current, next]), [(.matched(record(current)), false)])])
        #expect(eeOnly.map(\.code) == ["dane.not-listable"] && !eeOnly.hasErrors && !eeOnly.hasWarnings)
    }
}
