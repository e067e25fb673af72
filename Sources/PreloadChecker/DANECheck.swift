import PreloadCore

/// What the DANE check of one MX host starts from (RFC 7672 §2.2): the validation status of its address
/// lookups, its TLSA lookup at `_25._tcp.HOST` (at the CNAME-expanded name when the host is an alias), and,
/// per address probed with the validated records, OpenSSL's DANE verdict and whether the Web PKI accepted it.
public struct DANEHostFacts: Sendable, Hashable {
    /// The TLSA lookup.
    public enum TLSALookup: Sendable, Hashable {
        /// A validated RRset (RDATAs, never empty).
        case secure([[UInt8]])
        /// A validated denial: no TLSA records (NXDOMAIN or no data, proven).
        case secureNone
        /// Records that are not validated: the zone is unsigned.
        case insecure
        /// No records, and the denial is not validated either.
        case insecureNone
        /// The RRset failed validation.
        case bogus(String)
        /// No answer (SERVFAIL, timeout).
        case failed(String)
        /// Not looked up: the host's addresses are insecure or failed (RFC 7672 §2.2.2 stops there).
        case notLooked
    }

    /// OpenSSL's DANE verdict for one address's handshake (see ``DANEHandshakeVerdict``).
    public typealias Handshake = DANEHandshakeVerdict

    /// One address.
    public struct Address: Sendable, Hashable {
        /// The address.
        public var address: String
        /// The DANE verdict of its handshake.
        public var handshake: Handshake
        /// Whether its certificate passed the Web-PKI checks (chain, name, dates).
        public var webPKIValid: Bool

        /// An address's facts.
        public init(address: String, handshake: Handshake, webPKIValid: Bool) {
            self.address = address
            self.handshake = handshake
            self.webPKIValid = webPKIValid
        }
    }

    /// The MX host name.
    public var host: String
    /// The validation status of its address lookups (the weaker of A and AAAA); `nil` when they failed (the
    /// MX checks report that).
    public var addresses: DNSSECStatus?
    /// Where the TLSA records were looked up (`_25._tcp.` + host or its CNAME target).
    public var tlsaOwner: String
    /// The TLSA lookup.
    public var tlsa: TLSALookup
    /// The probed addresses (empty when no usable record made probing with DANE pointless).
    public var probed: [Address]

    /// A host's facts.
    public init(host: String, addresses: DNSSECStatus?, tlsaOwner: String, tlsa: TLSALookup, probed: [Address] = []) {
        self.host = host
        self.addresses = addresses
        self.tlsaOwner = tlsaOwner
        self.tlsa = tlsa
        self.probed = probed
    }
}

/// The DANE findings of a domain (RFC 7672, RFC 7671 §8.1), from facts gathered by the checker. Pure.
///
/// - An insecure MX RRset with TLSA records published for an MX host: `dane.mx-insecure` (info), nothing
///   else — senders do not use those records. Without TLSA records (most domains) nothing is said.
/// - Per host, with a secure MX RRset: insecure addresses or TLSA records, `dane.host-insecure` (info); a bogus
///   TLSA RRset, `dane.tlsa-bogus`; a failed TLSA lookup, `dns.lookup-failed` (DANE senders defer); malformed or
///   unusable records (``TLSARRset/issues``); per address, `dane.tlsa-mismatch` or `dane.ta-name-mismatch`;
///   and `dane.no-rollover` from the records that matched.
/// - Some hosts covered by usable validated records and others not: `dane.partial-coverage`.
/// - DANE passes for every host and every address, but the Web PKI does not: `dane.not-listable` (info; the
///   `tls.cert-*` errors still make the domain ineligible, policy-schema/README.md "DANE-protected domains").
public enum DANECheck {
    /// The findings for a domain whose MX RRset has validation status `mx`.
    public static func issues(mx: DNSSECStatus, hosts: [DANEHostFacts]) -> [Issue] {
        switch mx {
        case .insecure:
            let published = hosts.filter {
                switch $0.tlsa {
                case .insecure, .secure: true
                default: false
                }
            }
            guard !published.isEmpty else { return [] }
            return [Issue(.daneMxInsecure, subject: "MX",
                "TLSA records are published for \(published.map(\.host).joined(separator: ", ")), but the MX RRset is not DNSSEC-signed, so senders do not use DANE for this domain (RFC 7672 §2.2.1).")]
        case .bogus:
            return []  // the MX lookup failed validation: dns.lookup-failed says so
        case .unvalidated:
            return []  // no trust anchor: nothing was validated, so DANE is not checked
        case .secure:
            break
        }
        var issues: [Issue] = []
        var covered: [String] = []
        var uncovered: [String] = []
        var daneFailed = false
        var webPKIFailed = false
        for host in hosts {
            switch host.addresses {
            case nil:
                daneFailed = true
                continue  // reported by the MX checks
            case .bogus?:
                daneFailed = true
                continue
            case .insecure?, .unvalidated?:
                issues.append(Issue(.daneHostInsecure, subject: host.host,
                    "The addresses of \(host.host) are not DNSSEC-signed, so senders do not use DANE for it (RFC 7672 §2.2.2)."))
                uncovered.append(host.host)
                continue
            case .secure?:
                break
            }
            let records: [[UInt8]]
            switch host.tlsa {
            case .secure(let rdata):
                records = rdata
            case .secureNone, .notLooked, .insecureNone:
                uncovered.append(host.host)
                continue
            case .insecure:
                issues.append(Issue(.daneHostInsecure, subject: host.tlsaOwner,
                    "The TLSA records of \(host.host) are not DNSSEC-signed, so senders do not use them (RFC 7672 §2.2)."))
                uncovered.append(host.host)
                continue
            case .bogus(let why):
                issues.append(Issue(.daneTlsaBogus, subject: host.tlsaOwner,
                    "The TLSA RRset \(host.tlsaOwner) fails DNSSEC validation (\(why)): DANE senders defer all mail to \(host.host)."))
                daneFailed = true
                continue
            case .failed(let why):
                issues.append(Issue(.dnsLookupFailed, subject: host.tlsaOwner,
                    "The TLSA lookup of \(host.tlsaOwner) failed: \(why); DANE senders defer mail to \(host.host) until it answers."))
                daneFailed = true
                continue
            }
            let rrset = TLSARRset(owner: host.tlsaOwner, rdata: records)
            issues += rrset.issues
            guard rrset.isUsable else {
                uncovered.append(host.host)
                continue
            }
            covered.append(host.host)
            var matched: Set<TLSAAssociation> = []
            for address in host.probed {
                let subject = "\(host.host) [\(address.address)]"
                if !address.webPKIValid { webPKIFailed = true }
                switch address.handshake {
                case .matched(let record):
                    if let record { matched.insert(record) }
                case .noMatch:
                    daneFailed = true
                    issues.append(Issue(.daneTlsaMismatch, subject: subject,
                        "No usable TLSA record of \(host.tlsaOwner) matches the certificate chain served at \(address.address): DANE senders will not deliver to it. Publish the record of the certificate or key now served."))
                case .nameMismatch:
                    daneFailed = true
                    issues.append(Issue(.daneTaNameMismatch, subject: subject,
                        "A DANE-TA record matches the chain served at \(address.address), but its certificate does not name \(host.host) (RFC 7672 §3.2.2)."))
                case .failed(let why):
                    daneFailed = true
                    issues.append(Issue(.daneTlsaMismatch, subject: subject,
                        "DANE verification of the chain served at \(address.address) failed: \(why)."))
                case .notProbed:
                    daneFailed = true
                }
            }
            if let rollover = rrset.rolloverIssue(matchedNow: matched) { issues.append(rollover) }
        }
        if !covered.isEmpty, !uncovered.isEmpty {
            issues.append(Issue(.danePartialCoverage, subject: "MX",
                "DANE covers \(covered.joined(separator: ", ")) but not \(uncovered.joined(separator: ", ")): senders authenticate only the former with DANE."))
        }
        if !covered.isEmpty, uncovered.isEmpty, !daneFailed, webPKIFailed {
            issues.append(Issue(.daneNotListable, subject: "MX",
                "Every MX host passes DANE but not the Web PKI: DANE senders authenticate this domain from the first message on; it is not listed, because list-following senders check Web-PKI certificates."))
        }
        return issues
    }
}

/// The TLSA records handed to a probe: the usable records of the host's validated RRset and, when the host
/// is an alias, its CNAME-expanded name (a reference identifier for DANE-TA, RFC 7672 §3.2.2).
public struct DANEProbeRequest: Sendable, Hashable {
    /// The usable records.
    public var records: [TLSAAssociation]
    /// Names besides the MX host name.
    public var extraNames: [String]

    /// A request.
    public init(records: [TLSAAssociation], extraNames: [String] = []) {
        self.records = records
        self.extraNames = extraNames
    }
}

extension CheckerDNS {
    /// Fakes and non-validating resolvers: no DNSSEC, so no DANE check.
    public var validatesDNSSEC: Bool { false }
    /// Fakes and non-validating resolvers: not looked up.
    public func daneTLSA(_ host: DomainName) async -> (owner: String, lookup: DANEHostFacts.TLSALookup) {
        ("_25._tcp.\(host.value)", .notLooked)
    }
}

extension SMTPProbing {
    /// Probers without DANE support probe as usual; their TLS facts carry no DANE verdict.
    public func probe(host: DomainName, address: String, dane: DANEProbeRequest) async -> SMTPOutcome {
        await probe(host: host, address: address)
    }
}
