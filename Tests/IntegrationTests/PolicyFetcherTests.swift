import Foundation
import PreloadDNS
import PreloadHTTP
import PreloadTesting
import Testing
import PreloadCore

/// The MTA-STS policy fetcher against the test bed's nginx policy hosts.
@Suite struct PolicyFetcherTests {
    private func fetch(_ scenario: String, caFile: Bool = true) async throws -> PolicyFetchResult {
        let bed = try await NetTestBed.shared
        let fetcher = PolicyFetcher(caFile: caFile ? bed.caFile : nil, timeout: 5, httpsPort: bed.httpsPort)
        return await fetcher.fetch(domain: scenario, addresses: [try bed.policyAddress(scenario)])
    }

    private func response(_ result: PolicyFetchResult) throws -> HTTPResponse {
        guard case .response(let response) = result.outcome else {
            throw TestBedError("expected a response, got \(result.outcome)")
        }
        return response
    }

    @Test func policyServedAsTextPlain() async throws {
        let result = try await fetch("good.test")
        #expect(result.url == "https://mta-sts.good.test/.well-known/mta-sts.txt" || result.url.contains(":"))
        let response = try response(result)
        #expect(response.status == 200)
        #expect(response.mediaType == "text/plain")
        #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("version: STSv1"))
    }

    @Test func resolvedThroughTheCheckersResolver() async throws {
        let bed = try await NetTestBed.shared
        let dns = try DNSResolver(.forwarding(to: bed.dns.server, timeout: 5))
        let addresses = await dns.a("mta-sts.good.test").records.map(\.address)
        #expect(addresses == [try bed.policyAddress("good.test")])
        let result = await PolicyFetcher(caFile: bed.caFile, timeout: 5, httpsPort: bed.httpsPort)
            .fetch(domain: "good.test", addresses: addresses)
        #expect(try response(result).status == 200)
    }

    @Test func wrongContentTypeIsRecorded() async throws {
        let response = try response(try await fetch("policy-content-type.test"))
        #expect(response.status == 200)
        #expect(response.mediaType == "text/html")
    }

    @Test func redirectIsNotFollowed() async throws {
        let result = try await fetch("policy-redirect.test")
        guard case .redirect(let status, let location) = result.outcome else {
            Issue.record("expected a redirect, got \(result.outcome)")
            return
        }
        #expect((300..<400).contains(status))
        #expect(location == "https://mta-sts.good.test/.well-known/mta-sts.txt")
    }

    @Test func notFound() async throws {
        #expect(try response(try await fetch("policy-404.test")).status == 404)
    }

    @Test func tooLargeWithContentLength() async throws {
        let result = try await fetch("policy-too-large.test")
        #expect(result.outcome == .tooLarge(status: 200, limit: 65536))
    }

    @Test func tooLargeChunked() async throws {
        let result = try await fetch("policy-chunked.test")
        guard case .tooLarge(_, let limit) = result.outcome else {
            Issue.record("expected tooLarge, got \(result.outcome)")
            return
        }
        #expect(limit == 65536)
    }

    @Test func expiredCertificateIsATLSFailure() async throws {
        let result = try await fetch("policy-expired-cert.test")
        guard case .tlsFailure(let error) = result.outcome else {
            Issue.record("expected a TLS failure, got \(result.outcome)")
            return
        }
        #expect(error.code == 60)  // CURLE_PEER_FAILED_VERIFICATION
        #expect(!error.detail.isEmpty)
    }

    @Test func wrongNameIsATLSFailure() async throws {
        let result = try await fetch("policy-wrong-name.test")
        guard case .tlsFailure = result.outcome else {
            Issue.record("expected a TLS failure, got \(result.outcome)")
            return
        }
    }

    @Test func untrustedRootIsATLSFailure() async throws {
        let result = try await fetch("good.test", caFile: false)  // the system bundle lacks the test CA
        guard case .tlsFailure = result.outcome else {
            Issue.record("expected a TLS failure, got \(result.outcome)")
            return
        }
    }

    /// Fetches verify with one trust store per CA file, made once and shared: a fetch trusts exactly the
    /// roots of its own file — the test CA passes, another root fails — whatever other fetches used
    /// before or use at once; a CA file that cannot be read fails the fetch with libcurl's error.
    @Test func eachFetchTrustsTheRootsOfItsOwnCAFile() async throws {
        let bed = try await NetTestBed.shared
        let address = try bed.policyAddress("good.test")
        let scratch = try ScratchDirectory("policy-roots")
        // Another root made at test time: the test bed's DANE-TA CA, which did not issue the policy host's certificate.
        let otherRoots = URL(fileURLWithPath: bed.caFile).deletingLastPathComponent().appendingPathComponent("dane-ca.pem").path
        try #require(FileManager.default.fileExists(atPath: otherRoots), "\(otherRoots)")
        let fetchers = [bed.caFile, otherRoots, scratch.file("missing.pem")].map {
            PolicyFetcher(caFile: $0, timeout: 5, httpsPort: bed.httpsPort)
        }
        let outcomes = await withTaskGroup(of: (Int, PolicyFetchOutcome).self) { group in
            for _ in 0..<3 {
                for (i, fetcher) in fetchers.enumerated() {
                    group.addTask { (i, await fetcher.fetch(domain: "good.test", addresses: [address]).outcome) }
                }
            }
            return await group.reduce(into: [Int: [PolicyFetchOutcome]]()) { $0[$1.0, default: []].append($1.1) }
        }
        #expect(outcomes[0]?.count == 3 && outcomes[0]!.allSatisfy { if case .response(let r) = $0 { r.status == 200 } else { false } },
                "\(String(describing: outcomes[0]))")
        #expect(outcomes[1]?.count == 3 && outcomes[1]!.allSatisfy { if case .tlsFailure = $0 { true } else { false } },
                "\(String(describing: outcomes[1]))")
        #expect(outcomes[2]?.count == 3 && outcomes[2]!.allSatisfy { if case .response = $0 { false } else { true } },
                "\(String(describing: outcomes[2]))")
    }

    @Test func nothingListening() async throws {
        let result = try await fetch("policy-no-server.test")
        guard case .connectFailed(let error) = result.outcome else {
            Issue.record("expected connectFailed, got \(result.outcome)")
            return
        }
        #expect(error.code == 7)  // CURLE_COULDNT_CONNECT
    }

    @Test func policyURL() {
        #expect(PolicyFetcher.policyURL(domain: "example.com") == "https://mta-sts.example.com/.well-known/mta-sts.txt")
        #expect(PolicyFetcher.policyURL(domain: "example.com.", port: 8443)
            == "https://mta-sts.example.com:8443/.well-known/mta-sts.txt")
    }
}
