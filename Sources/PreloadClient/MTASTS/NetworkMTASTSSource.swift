import PreloadCore

/// A TXT lookup, keeping "no record" apart from "lookup failed".
public enum TXTAnswer: Sendable, Hashable {
    /// The records at the name (CNAMEs followed), each record's character-strings joined.
    case records([[UInt8]])
    /// NXDOMAIN or no TXT data.
    case noRecords
    /// SERVFAIL, timeout, bogus DNSSEC, unreachable resolver.
    case failed(String)
}

/// Looks up TXT records (libunbound in production).
public protocol TXTResolving: Sendable {
    /// The TXT records at `name`.
    func txt(_ name: String) async -> TXTAnswer
}

/// How fetching a policy body ended.
public enum PolicyBodyResult: Sendable, Hashable {
    /// HTTP 200 over HTTPS whose certificate is valid for `mta-sts.<domain>`; the body (≤ 64 KiB).
    case body([UInt8])
    /// Anything else, with the reason.
    case failed(String)
}

/// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` per RFC 8461 §3.3 (libcurl in production:
/// HTTPS only, no redirects, 64 KiB, a deadline).
public protocol PolicyBodyFetching: Sendable {
    /// The policy body of `domain`.
    func fetchPolicyBody(_ domain: DomainName) async -> PolicyBodyResult
}

/// MTA-STS discovery and fetch over a DNS and an HTTPS port, parsed with the core's strict parsers.
public struct NetworkMTASTSSource: MTASTSSource {
    /// DNS.
    public var dns: any TXTResolving
    /// HTTPS.
    public var https: any PolicyBodyFetching

    /// A source over `dns` and `https`.
    public init(dns: any TXTResolving, https: any PolicyBodyFetching) {
        self.dns = dns
        self.https = https
    }

    public func discover(_ domain: DomainName) async -> STSDiscovery {
        switch await dns.txt("_mta-sts." + domain.value) {
        case .failed(let why):
            return .failed(why)
        case .noRecords:
            return .noRecord
        case .records(let records):
            let parsed = STSRecordParser.parse(bytes: records)
            guard parsed.status == .valid, let id = parsed.id else { return .noRecord }
            return .record(id: id)
        }
    }

    public func fetch(_ domain: DomainName) async -> STSFetchResult {
        switch await https.fetchPolicyBody(domain) {
        case .failed(let why):
            return .failed(why)
        case .body(let body):
            let parsed = STSPolicyParser.parse(bytes: body)
            guard let policy = parsed.policy else {
                let codes = Set(parsed.issues.filter { $0.severity == .error }.map(\.code.rawValue)).sorted()
                return .failed("invalid policy (\(codes.joined(separator: ", ")))")
            }
            return .policy(policy)
        }
    }
}
