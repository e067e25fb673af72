import Foundation
import PreloadClient
import PreloadCore
import PreloadDNS

/// DANE from a validating libunbound resolver: the MX RRset, each MX host's A/AAAA and its TLSA RRset at
/// `_25._tcp.HOST` (at the CNAME target first, RFC 7672 §2.2.2), with their validation status.
public struct UnboundDANEEvaluator: DANEEvaluating {
    let resolver: DNSResolver

    /// An evaluator over `resolver`, which must have a trust anchor (else everything is insecure).
    public init(resolver: DNSResolver) { self.resolver = resolver }

    /// An evaluator forwarding to `dns` (`IP[@PORT]`; `nil`: /etc/resolv.conf) and validating with `trustAnchor`
    /// (`nil`: the root key `/usr/share/dns/root.key`); `nil` when there is no trust anchor to validate with.
    /// - Throws: ``DNSResolverError`` when the resolver cannot be set up (an unreadable anchor file…).
    public static func validating(dns: String?, trustAnchor: String?, timeout: Double) throws -> UnboundDANEEvaluator? {
        var configuration = DNSResolver.Configuration.forwarding(to: dns, timeout: timeout)
        if let trustAnchor {
            configuration.trustAnchor = .file(trustAnchor)
        } else if FileManager.default.isReadableFile(atPath: "/usr/share/dns/root.key") {
            configuration.trustAnchor = .file("/usr/share/dns/root.key")
        } else {
            return nil
        }
        return UnboundDANEEvaluator(resolver: try DNSResolver(configuration))
    }

    public func state(for domain: DomainName) async -> DANEState {
        await observe(domain).state
    }

    /// The observations behind ``state(for:)``.
    public func observe(_ domain: DomainName) async -> DANEObservation {
        let mx = await resolver.mx(domain.value)
        let mxValidation = Self.validation(mx)
        guard mxValidation == .secure else { return DANEObservation(mx: mxValidation, hosts: []) }
        let names = Array(Set(mx.records.map { $0.exchange.lowercased() }.filter { $0 != "." && !$0.isEmpty })).sorted()
        var hosts: [DANEObservation.Host] = []
        for name in names {
            async let a = resolver.a(name)
            async let aaaa = resolver.aaaa(name)
            let (v4, v6) = (await a, await aaaa)
            let addresses = Self.weakest(Self.validation(v4), Self.validation(v6))
            guard addresses == .secure else {
                hosts.append(DANEObservation.Host(name: name, addresses: addresses, tlsa: nil))
                continue
            }
            var answer: DNSAnswer<TLSARecord>?
            if let target = (v4.canonicalName ?? v6.canonicalName)?.lowercased(), target != name {
                let expanded = await resolver.tlsa("_25._tcp.\(target)")
                if !(expanded.dnssec == .secure && (expanded.outcome == .nxdomain || expanded.outcome == .noData)) {
                    answer = expanded
                }
            }
            if answer == nil { answer = await resolver.tlsa("_25._tcp.\(name)") }
            let tlsa = answer!
            hosts.append(DANEObservation.Host(
                name: name, addresses: .secure, tlsa: Self.validation(tlsa),
                tlsaRecords: tlsa.records.map { [$0.usage, $0.selector, $0.matchingType] + $0.data }))
        }
        return DANEObservation(mx: .secure, hosts: hosts)
    }

    /// An answer's validation: bogus and failed lookups first, then the DNSSEC status (a validated denial is secure).
    static func validation<R>(_ answer: DNSAnswer<R>) -> DANEObservation.Validation {
        if case .bogus(let why) = answer.dnssec { return .bogus(why) }
        switch answer.outcome {
        case .servfail(let why): return .failed(why.isEmpty ? "SERVFAIL" : why)
        case .timeout: return .failed("timed out")
        case .failed(let why): return .failed(why)
        case .records, .nxdomain, .noData: return answer.dnssec == .secure ? .secure : .insecure
        }
    }

    /// The weaker of two validations: a failure or bogus answer wins, then insecure.
    static func weakest(_ a: DANEObservation.Validation, _ b: DANEObservation.Validation) -> DANEObservation.Validation {
        func rank(_ v: DANEObservation.Validation) -> Int {
            switch v {
            case .failed: 3
            case .bogus: 2
            case .insecure: 1
            case .secure: 0
            }
        }
        return rank(a) >= rank(b) ? a : b
    }
}
