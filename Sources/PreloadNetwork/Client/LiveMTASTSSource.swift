import PreloadClient
import PreloadCore
import PreloadDNS
import PreloadHTTP

/// TXT lookups through libunbound. A DNSSEC-bogus answer counts as a failed lookup.
public struct UnboundTXTResolver: TXTResolving {
    /// The resolver.
    public var resolver: DNSResolver

    /// Lookups through `resolver`.
    public init(_ resolver: DNSResolver) { self.resolver = resolver }

    public func txt(_ name: String) async -> TXTAnswer {
        let answer = await resolver.txt(name)
        if case .bogus(let why) = answer.dnssec { return .failed("DNSSEC validation failed: \(why)") }
        switch answer.outcome {
        case .records(let records): return .records(records.map(\.joinedBytes))
        case .nxdomain, .noData: return .noRecords
        case .servfail(let why): return .failed(why.isEmpty || why == "SERVFAIL" ? "SERVFAIL" : "SERVFAIL (\(why))")
        case .timeout: return .failed("DNS timeout")
        case .failed(let why): return .failed(why)
        }
    }
}

/// Policy fetches through libcurl (HTTPS only, no redirects, 64 KiB, a deadline), connecting to the
/// addresses our own resolver gives for `mta-sts.<domain>`.
public struct CurlPolicyBodyFetcher: PolicyBodyFetching {
    /// Resolves `mta-sts.<domain>`.
    public var resolver: DNSResolver
    /// Fetches.
    public var fetcher: PolicyFetcher

    /// A fetcher.
    public init(resolver: DNSResolver, fetcher: PolicyFetcher) {
        self.resolver = resolver
        self.fetcher = fetcher
    }

    public func fetchPolicyBody(_ domain: DomainName) async -> PolicyBodyResult {
        let host = "mta-sts." + domain.value
        let (v4, v6) = await resolver.addresses(host)
        let addresses = v4.records.map(\.address) + v6.records.map(\.address)
        guard !addresses.isEmpty else {
            return .failed(v4.outcome.isFailure && v6.outcome.isFailure
                ? "the address lookup of \(host) failed" : "\(host) has no address")
        }
        return Self.body(from: await fetcher.fetch(domain: domain.value, addresses: addresses).outcome)
    }

    /// The body of a 200 answer, or why there is none.
    static func body(from outcome: PolicyFetchOutcome) -> PolicyBodyResult {
        outcome.okBody.map { .body($0) } ?? .failed(outcome.failureDescription ?? "no body")
    }
}
