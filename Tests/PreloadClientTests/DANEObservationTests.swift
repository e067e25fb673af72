import PreloadClient
import Testing

private let good: [UInt8] = [3, 1, 1] + [UInt8](repeating: 0xA5, count: 32)
private let pkix: [UInt8] = [1, 1, 1] + [UInt8](repeating: 0xA5, count: 32)

private func host(_ name: String, addresses: DANEObservation.Validation = .secure,
                  tlsa: DANEObservation.Validation? = .secure, _ records: [[UInt8]] = [good]) -> DANEObservation.Host {
    DANEObservation.Host(name: name, addresses: addresses, tlsa: tlsa, tlsaRecords: records)
}

@Suite struct DANEObservationTests {
    @Test func everyHostCoveredIsDANEOnly() {
        let state = DANEObservation(mx: .secure, hosts: [host("mx1"), host("mx2")]).state
        #expect(state == .usable(covered: ["mx1", "mx2"], uncovered: []))
    }

    @Test func someHostsCoveredIsPartial() {
        let state = DANEObservation(mx: .secure, hosts: [
            host("mx1"), host("mx2", tlsa: .secure, []), host("mx3", addresses: .insecure, tlsa: nil),
            host("mx4", tlsa: .insecure), host("mx5", tlsa: .secure, [pkix]),
        ]).state
        #expect(state == .usable(covered: ["mx1"], uncovered: ["mx2", "mx3", "mx4", "mx5"]))
    }

    @Test func anInsecureMXRRsetMeansNoDANE() {
        guard case .notApplicable = DANEObservation(mx: .insecure, hosts: [host("mx1")]).state else {
            Issue.record("insecure MX")
            return
        }
        // Insecure addresses: TLSA records (even validated ones) do not count (RFC 7672 §2.2.2).
        guard case .notApplicable = DANEObservation(mx: .secure, hosts: [host("mx1", addresses: .insecure)]).state else {
            Issue.record("insecure addresses")
            return
        }
        guard case .notApplicable = DANEObservation(mx: .secure, hosts: [host("mx1", tlsa: .secure, [])]).state else {
            Issue.record("no TLSA")
            return
        }
    }

    @Test func onlyUnusableRecordsAreUnusable() {
        let state = DANEObservation(mx: .secure, hosts: [host("mx1", tlsa: .secure, [pkix, [3, 1, 1, 0]])]).state
        guard case .unusable = state else {
            Issue.record("\(state)")
            return
        }
    }

    @Test(arguments: [
        DANEObservation(mx: .bogus("signature expired"), hosts: [host("mx1")]),
        DANEObservation(mx: .failed("SERVFAIL"), hosts: [host("mx1")]),
        DANEObservation(mx: .secure, hosts: [host("mx1"), host("mx2", addresses: .bogus("no signatures"))]),
        DANEObservation(mx: .secure, hosts: [host("mx1"), host("mx2", addresses: .failed("timeout"))]),
        DANEObservation(mx: .secure, hosts: [host("mx1"), host("mx2", tlsa: .bogus("signature expired"))]),
        DANEObservation(mx: .secure, hosts: [host("mx1", tlsa: .failed("SERVFAIL"))]),
    ])
    func anyFailureOrBogusAnswerFails(observation: DANEObservation) {
        guard case .failed = observation.state else {
            Issue.record("\(observation.state)")
            return
        }
    }
}
