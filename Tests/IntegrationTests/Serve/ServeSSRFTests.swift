import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// The SSRF guard of `preload serve`, over HTTP against the test bed's DNS: an MX or policy host that resolves
/// to a loopback, private, IPv4-mapped or link-local address is refused (`net.address-not-public`, never
/// connected to) without `--allow-private-targets`, and checked with it (loopback addresses only: no test
/// connects anywhere else).
@Suite("preload serve SSRF guard", .serialized) struct ServeSSRFTests {
    @Test("MX and policy hosts on non-public addresses are refused without the flag, checked with it")
    func addressGuard() async throws {
        let bed = try await NetTestBed.shared
        let names = TestBedNames(bed)
        defer { Task { await names.removeAll() } }
        // One domain per address: MX mx.D with that address.
        var domains: [(String, String)] = []
        for (type, address) in [("A", "127.0.0.1"), ("A", "10.0.0.1"), ("AAAA", "::1"), ("AAAA", "::ffff:127.0.0.1"),
                                ("AAAA", "fe80::1")] {
            let domain = TestBedNames.unique("ssrf")
            try await names.add(domain, "MX", "10 mx.\(domain).")
            try await names.add("mx.\(domain)", type, address)
            domains.append((domain, address))
        }
        // A domain whose policy host is on loopback (and its MX on a private address).
        let policyDomain = TestBedNames.unique("ssrf-sts")
        try await names.add(policyDomain, "MX", "10 mx.\(policyDomain).")
        try await names.add("mx.\(policyDomain)", "A", "10.0.0.2")
        try await names.add("_mta-sts.\(policyDomain)", "TXT", "v=STSv1; id=1")
        try await names.add("mta-sts.\(policyDomain)", "A", "127.0.0.1")

        let guarded = try await ServeProcess("serve-ssrf", arguments: ["--preflight-limit", "100/min"])
        try await withCleanup({ _ = await guarded.stop() }) {
            let c = ServeClient(guarded.url)
            for (domain, address) in domains {
                let r = try await c.send("GET", "/api/v1/preflight/\(domain)")
                #expect(r.status == 200)
                #expect(r.json["eligible"] as? Bool == false, "\(domain) \(address)")
                let findings = r.json["findings"] as? [[String: Any]] ?? []
                let refusal = findings.first { $0["code"] as? String == "net.address-not-public" }
                #expect(refusal?["host"] as? String == "mx.\(domain)", "\(address): \(r.body)")
                #expect(refusal?["severity"] as? String == "error")
                #expect((refusal?["message"] as? String)?.contains(address) == true)
                // Nothing else was tried on that host: no SMTP finding for a refused address.
                #expect(!findings.contains { ($0["code"] as? String)?.hasPrefix("smtp.") == true || ($0["code"] as? String)?.hasPrefix("tls.") == true })
            }
            let sts = try await c.send("GET", "/api/v1/preflight/\(policyDomain)")
            let stsFindings = (sts.json["findings"] as? [[String: Any]] ?? []).filter { $0["code"] as? String == "net.address-not-public" }
            #expect(Set(stsFindings.compactMap { $0["host"] as? String }) == ["mx.\(policyDomain)", "mta-sts.\(policyDomain)"])
            // The test bed's good domain lives on 127.0.0.0/8: refused too, and a submission of it is ineligible.
            let good = try await c.send("GET", "/api/v1/preflight/good.test")
            #expect(good.json["eligible"] as? Bool == false)
            #expect(good.body.contains("net.address-not-public"))
            let submit = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"good.test","contact":"a@notify.test"}"#)
            #expect(submit.status == 422)
            #expect(submit.body.contains("net.address-not-public"))
            #expect(await guarded.stop() == 0)

            // With --allow-private-targets the loopback ones are checked (connected to), never refused.
            let open = try await ServeProcess("serve-ssrf-open", arguments: ["--allow-private-targets", "--preflight-limit", "100/min"])
            try await withCleanup({ _ = await open.stop() }) {
                let o = ServeClient(open.url)
                let goodOpen = try await o.send("GET", "/api/v1/preflight/good.test")
                #expect(goodOpen.json["eligible"] as? Bool == true, "\(goodOpen.body)")
                for (domain, address) in domains where address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1" {
                    let r = try await o.send("GET", "/api/v1/preflight/\(domain)")
                    #expect(r.status == 200)
                    #expect(!r.body.contains("net.address-not-public"), "\(address): \(r.body)")
                }
            }
        }
    }
}
