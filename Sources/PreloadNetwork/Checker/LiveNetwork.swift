import Foundation
import PreloadChecker
import PreloadCore
import PreloadDNS
import PreloadHTTP
import PreloadSMTPProbe

/// How the live network is set up for one run: resolver, trust roots, deadlines, ports.
public struct NetworkSettings: Sendable {
    /// `IP[@PORT]` to forward to, or `nil` for `/etc/resolv.conf`.
    public var dnsForwarder: String?
    /// Trust roots for SMTP and HTTPS (PEM), or `nil` for the system bundle.
    public var caFile: String?
    /// Deadline of each network step, seconds.
    public var timeout: Double
    public var smtpPort: Int
    public var httpsPort: Int
    /// The DNSSEC trust anchor file (`--trust-anchor`); `nil`: the root key when installed.
    public var trustAnchor: String?

    public init(dnsForwarder: String? = nil, caFile: String? = nil, timeout: Double = 20, smtpPort: Int = 25,
                httpsPort: Int = 443, trustAnchor: String? = nil) {
        self.trustAnchor = trustAnchor
        self.dnsForwarder = dnsForwarder
        self.caFile = caFile
        self.timeout = timeout
        self.smtpPort = smtpPort
        self.httpsPort = httpsPort
    }
}

/// Why the live network could not be set up.
public struct NetworkSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// The checker's three ports served by libunbound, OpenSSL and libcurl.
public struct LiveNetwork: Sendable {
    public let resolver: DNSResolver
    public let dns: LiveDNS
    public let smtp: LiveSMTP
    public let https: LiveHTTPS

    public init(_ settings: NetworkSettings, clock: any TimeSource) throws(NetworkSetupError) {
        do {
            var configuration = DNSResolver.Configuration.forwarding(to: settings.dnsForwarder, timeout: settings.timeout)
            if let anchor = settings.trustAnchor { configuration.trustAnchor = .file(anchor) }
            resolver = try DNSResolver(configuration)
        } catch {
            throw NetworkSetupError(description: "cannot set up the DNS resolver: \(error)")
        }
        let probe: SMTPProbe
        do {
            probe = try SMTPProbe(trust: TrustStore(caFile: settings.caFile), timeouts: .init(each: settings.timeout))
        } catch {
            throw NetworkSetupError(description: "cannot set up TLS: \(error)")
        }
        dns = LiveDNS(resolver: resolver)
        smtp = LiveSMTP(probe: probe, port: settings.smtpPort, clock: clock)
        https = LiveHTTPS(fetcher: PolicyFetcher(caFile: settings.caFile, timeout: settings.timeout,
                                                 httpsPort: settings.httpsPort))
    }

    /// A checker over this network.
    public func checker(clock: any TimeSource, settings: CheckerSettings) -> Checker {
        Checker(dns: dns, smtp: smtp, https: https, clock: clock, settings: settings)
    }

    /// `nil` when the resolver answers, else why not.
    public func resolverProblem() async -> String? {
        switch await resolver.checkReachable() {
        case .reachable: nil
        case .unreachable(let why): why
        }
    }
}

/// DNS for the checker through libunbound.
public struct LiveDNS: CheckerDNS {
    let resolver: DNSResolver

    /// Whether the resolver has a trust anchor (a file given, or the installed root key).
    public var validatesDNSSEC: Bool {
        switch resolver.configuration.trustAnchor {
        case .none: false
        case .file: true
        case .automatic: FileManager.default.isReadableFile(atPath: "/usr/share/dns/root.key")
        }
    }

    /// RFC 7672 §2.2.2: for a host that is a CNAME alias, the TLSA records at the expanded name first, and at
    /// the name itself when the expanded name has none.
    public func daneTLSA(_ host: DomainName) async -> (owner: String, lookup: DANEHostFacts.TLSALookup) {
        let address = await resolver.a(host.value)
        let target = address.records.isEmpty ? await resolver.aaaa(host.value).canonicalName : address.canonicalName
        if let target, target.lowercased() != host.value {
            let expanded = "_25._tcp.\(target.lowercased())"
            let lookup = Self.tlsa(await resolver.tlsa(expanded))
            if lookup != .secureNone { return (expanded, lookup) }
        }
        let owner = "_25._tcp.\(host.value)"
        return (owner, Self.tlsa(await resolver.tlsa(owner)))
    }

    static func tlsa(_ answer: DNSAnswer<TLSARecord>) -> DANEHostFacts.TLSALookup {
        if case .bogus(let why) = answer.dnssec { return .bogus(why) }
        switch answer.outcome {
        case .servfail(let why): return .failed(why.isEmpty ? "SERVFAIL" : why)
        case .timeout: return .failed("timed out")
        case .failed(let why): return .failed(why)
        case .records(let records):
            guard answer.dnssec == .secure else { return .insecure }
            return .secure(records.map { [$0.usage, $0.selector, $0.matchingType] + $0.data })
        case .nxdomain, .noData:
            return answer.dnssec == .secure ? .secureNone : .insecureNone
        }
    }

    public func mx(_ domain: DomainName) async -> DNSLookup<[MXRecord]> {
        let lookup = Self.convert(await resolver.mx(domain.value)) { $0 }
        // A failed MX lookup may mean our own resolver is gone: say so, the command exits 75 then.
        if case .failed(let failure) = lookup, failure == .timeout || Self.isServfail(failure),
            case .unreachable(let why) = await resolver.checkReachable()
        {
            return .failed(.resolverUnreachable(why))
        }
        return lookup
    }

    public func ipv4(_ host: DomainName) async -> DNSLookup<[String]> {
        Self.convert(await resolver.a(host.value)) { $0.map(\.address) }
    }

    public func ipv6(_ host: DomainName) async -> DNSLookup<[String]> {
        Self.convert(await resolver.aaaa(host.value)) { $0.map(\.address) }
    }

    public func txt(_ name: String) async -> DNSLookup<[String]> {
        Self.convert(await resolver.txt(name)) { $0.map(\.joined) }
    }

    private static func isServfail(_ failure: DNSFailure) -> Bool {
        if case .servfail = failure { true } else { false }
    }

    /// The resolver's answer as the checker's lookup: a DNSSEC-bogus answer is a failed lookup.
    static func convert<R, V: Sendable>(_ answer: DNSAnswer<R>, _ map: ([R]) -> V) -> DNSLookup<V> {
        if case .bogus(let reason) = answer.dnssec { return .failed(.bogus(reason)) }
        switch answer.outcome {
        case .records(let records): return .found(map(records), dnssec: answer.dnssec)
        case .nxdomain: return .nxdomain
        case .noData: return .noData
        case .servfail(let why): return .failed(.servfail(why.isEmpty ? "SERVFAIL" : why))
        case .timeout: return .failed(.timeout)
        case .failed(let why): return .failed(.servfail(why))
        }
    }
}

/// SMTP probes for the checker through OpenSSL.
public struct LiveSMTP: SMTPProbing {
    let probe: SMTPProbe
    let port: Int
    let clock: any TimeSource

    public func probe(host: DomainName, address: String) async -> SMTPOutcome {
        Self.outcome(await probe.probe(host: host.value, address: address, port: port, now: clock.now()))
    }

    public func probe(host: DomainName, address: String, dane: DANEProbeRequest) async -> SMTPOutcome {
        Self.outcome(await probe.probe(host: host.value, address: address, port: port, now: clock.now(),
                                       dane: DANERequest(records: dane.records, extraNames: dane.extraNames)))
    }

    static func handshake(_ verdict: DANEVerdict) -> DANEHostFacts.Handshake {
        switch verdict.outcome {
        case .matched: .matched(verdict.matchedRecord)
        case .noMatch: .noMatch
        case .nameMismatch: .nameMismatch
        case .noUsableRecords: .failed("OpenSSL accepted none of the TLSA records")
        case .failed(let why): .failed(why)
        }
    }

    /// Maps a probe result to the checker's outcome.
    static func outcome(_ result: SMTPProbeResult) -> SMTPOutcome {
        if let tls = result.tls {
            // STARTTLS completed: what matters from here on is the session (a failing EHLO inside TLS
            // does not change what the certificate says).
            var established = tls
            established.dane = result.dane.map(handshake)
            return .tlsEstablished(established)
        }
        guard let failure = result.failure else {
            return .protocolError("the probe ended without a TLS session")
        }
        switch failure {
        case .connectRefused: return .connectFailed("connection refused")
        case .connectTimeout: return .connectFailed("no connection within the deadline")
        case .connectFailed(let why): return .connectFailed(why)
        case .timeout(.banner): return .bannerTimeout
        case .connectionClosed(.banner): return .connectFailed("the server closed the connection before its banner")
        case .timeout(let step): return .protocolError("no complete reply to \(step.rawValue) within the deadline")
        case .connectionClosed(let step): return .protocolError("the server closed the connection during \(step.rawValue)")
        case .garbage(let step, let line):
            return .protocolError("non-SMTP reply during \(step.rawValue): '\(line.prefix(80))'")
        case .tooLong(let step): return .protocolError("the reply during \(step.rawValue) exceeds the size limits (flood)")
        case .rejected(.starttls, let code):
            let text = result.starttlsReply?.lines.first ?? ""
            return .starttlsRefused("\(code) \(text)".trimmingSpaces)
        case .rejected(let step, let code): return .protocolError("the server answered \(code) to \(step.rawValue)")
        case .starttlsNotOffered: return .starttlsNotOffered
        case .handshakeFailed(let why): return .handshakeFailed(why)
        case .sendFailed(let step, let why): return .protocolError("sending \(step.rawValue) failed: \(why)")
        }
    }
}

/// MTA-STS policy fetches for the checker through libcurl.
public struct LiveHTTPS: PolicyFetching {
    let fetcher: PolicyFetcher

    public func fetchPolicy(domain: DomainName, addresses: [String]) async -> PolicyFetchOutcome {
        await fetcher.fetch(domain: domain.value, addresses: addresses).outcome
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
