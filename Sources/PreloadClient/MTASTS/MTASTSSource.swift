import PreloadCore

/// What the `_mta-sts` TXT lookup of a domain found (RFC 8461 §3.1), already parsed.
public enum STSDiscovery: Sendable, Hashable {
    /// Exactly one valid `v=STSv1` record, with this policy id.
    case record(id: String)
    /// No valid `v=STSv1` record (NXDOMAIN, no data, none or several `v=STSv1` records, or one that breaks
    /// the grammar): the domain has no MTA-STS. This never deletes a cached policy.
    case noRecord
    /// The lookup failed (SERVFAIL, timeout, bogus DNSSEC, resolver unreachable).
    case failed(String)
}

/// How fetching and parsing a domain's policy ended (RFC 8461 §3.2–3.3).
public enum STSFetchResult: Sendable, Hashable {
    /// HTTP 200 over valid HTTPS, and the body is a valid policy.
    case policy(STSPolicy)
    /// Anything else: transport or TLS failure, redirect, non-200, too large, invalid body.
    case failed(String)
}

/// The network side of MTA-STS for the client: TXT discovery and policy fetch. The live implementation
/// uses libunbound and libcurl; tests use fakes.
public protocol MTASTSSource: Sendable {
    /// Looks up `_mta-sts.<domain>`.
    func discover(_ domain: DomainName) async -> STSDiscovery
    /// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` and parses it.
    func fetch(_ domain: DomainName) async -> STSFetchResult
}
