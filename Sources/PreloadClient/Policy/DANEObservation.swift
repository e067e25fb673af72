import PreloadCore

/// What a validating resolver answered for the lookups DANE depends on (RFC 7672 §2.2): the destination's
/// MX RRset and, per MX host, its address records and its TLSA RRset at `_25._tcp.HOST` (at the CNAME-expanded
/// name first, RFC 7672 §2.2.2). The live DNS adapter fills it in; ``state`` turns it into the merge's input.
/// Pure.
public struct DANEObservation: Sendable, Hashable {
    /// One answer's validation outcome.
    public enum Validation: Sendable, Hashable {
        /// DNSSEC-validated (the AD bit; libunbound `secure`), whether records or a proven denial.
        case secure
        /// Provably unsigned, or not covered by a trust anchor.
        case insecure
        /// Signed but failing validation, with the resolver's reason.
        case bogus(String)
        /// No answer: SERVFAIL, timeout, another error.
        case failed(String)
    }

    /// One MX host.
    public struct Host: Sendable, Hashable {
        /// The MX host name as the MX record gives it.
        public var name: String
        /// The host's A/AAAA lookups, together (the weakest of the two).
        public var addresses: Validation
        /// The TLSA lookup; `nil` when it was not made (insecure addresses: RFC 7672 §2.2.2 skips it).
        public var tlsa: Validation?
        /// The TLSA RDATAs (empty for NXDOMAIN or no data).
        public var tlsaRecords: [[UInt8]]

        /// A host's observations.
        public init(name: String, addresses: Validation, tlsa: Validation?, tlsaRecords: [[UInt8]] = []) {
            self.name = name
            self.addresses = addresses
            self.tlsa = tlsa
            self.tlsaRecords = tlsaRecords
        }
    }

    /// The MX lookup.
    public var mx: Validation
    /// The MX hosts (a null MX or no MX: empty).
    public var hosts: [Host]

    /// Observations of one destination.
    public init(mx: Validation, hosts: [Host]) {
        self.mx = mx
        self.hosts = hosts
    }

    /// The merge's view (RFC 7672 §2.2, fail closed):
    /// - the MX lookup failed or is bogus, or an MX host's address or TLSA lookup is: ``DANEState/failed``;
    /// - the MX RRset is insecure, or no host has a validated TLSA RRset: ``DANEState/notApplicable``;
    /// - hosts with a validated TLSA RRset that has a usable record are covered: all of them → `dane-only`,
    ///   some → `dane` (``DANEState/usable``);
    /// - validated TLSA RRsets exist but none is usable: ``DANEState/unusable``.
    ///
    /// A host whose addresses are insecure is not covered even if TLSA records exist for it (§2.2.2).
    public var state: DANEState {
        switch mx {
        case .failed(let why): return .failed(reason: "MX lookup: \(why)")
        case .bogus(let why): return .failed(reason: "MX RRset bogus: \(why)")
        case .insecure: return .notApplicable(reason: "the MX RRset is not DNSSEC-signed")
        case .secure: break
        }
        guard !hosts.isEmpty else { return .notApplicable(reason: "no MX host") }
        var covered: [String] = []
        var uncovered: [String] = []
        var unusable: [String] = []
        for host in hosts {
            switch host.addresses {
            case .failed(let why): return .failed(reason: "\(host.name) addresses: \(why)")
            case .bogus(let why): return .failed(reason: "\(host.name) addresses bogus: \(why)")
            case .insecure:
                uncovered.append(host.name)
                continue
            case .secure: break
            }
            switch host.tlsa {
            case .failed(let why)?: return .failed(reason: "\(host.name) TLSA lookup: \(why)")
            case .bogus(let why)?: return .failed(reason: "\(host.name) TLSA RRset bogus: \(why)")
            case .insecure?, nil:
                uncovered.append(host.name)
            case .secure?:
                if host.tlsaRecords.isEmpty {
                    uncovered.append(host.name)  // a validated denial: no TLSA records
                } else if TLSARRset(owner: "_25._tcp.\(host.name)", rdata: host.tlsaRecords).isUsable {
                    covered.append(host.name)
                } else {
                    unusable.append(host.name)
                    uncovered.append(host.name)
                }
            }
        }
        if !covered.isEmpty { return .usable(covered: covered, uncovered: uncovered) }
        if !unusable.isEmpty {
            return .unusable(reason: "no usable record in the TLSA RRsets of \(unusable.joined(separator: ", "))")
        }
        return .notApplicable(reason: "no MX host has DNSSEC-validated TLSA records")
    }
}
