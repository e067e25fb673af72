/// What a TLSA RRset (`_25._tcp.HOST`) offers an SMTP sender: the usable records, those it ignores and why,
/// and the findings. Pure: the DNS answer (and its DNSSEC status) is read elsewhere.
public struct TLSARRset: Sendable, Hashable {
    /// A record senders ignore, with the reason.
    public struct Ignored: Sendable, Hashable {
        /// The record.
        public var record: TLSAAssociation
        /// Why it is ignored (see ``TLSAAssociation/unusableReason``).
        public var reason: String
    }

    /// The owner name, e.g. `_25._tcp.mx.example.com`.
    public var owner: String
    /// DANE-TA(2) and DANE-EE(3) records with known selector and matching type, in the order published,
    /// duplicates removed.
    public var usable: [TLSAAssociation]
    /// Well-formed records that SMTP senders do not use.
    public var ignored: [Ignored]
    /// Records refused as malformed.
    public var malformed: [TLSAMalformed]

    /// Reads an RRset from its RDATAs.
    public init(owner: String, rdata: [[UInt8]]) {
        self.owner = owner
        usable = []
        ignored = []
        malformed = []
        for one in rdata {
            switch TLSARecordParser.parse(rdata: one) {
            case .failure(let refusal):
                malformed.append(refusal)
            case .success(let record):
                if let reason = record.unusableReason {
                    ignored.append(Ignored(record: record, reason: reason))
                } else if !usable.contains(record) {
                    usable.append(record)
                }
            }
        }
    }

    /// Whether SMTP senders authenticate the host with DANE: at least one usable record (RFC 7672 §2.2). An
    /// RRset without one makes DANE senders use unauthenticated TLS.
    public var isUsable: Bool { !usable.isEmpty }

    /// The findings about the records themselves: `dane.tlsa-malformed` for each malformed record and, when no
    /// record is usable, `dane.tlsa-unusable`. Call it only for a DNSSEC-validated RRset: records of an insecure
    /// one do not matter to senders.
    public var issues: [Issue] {
        var issues = malformed.map { $0.issue(owner: owner) }
        if usable.isEmpty {
            let why = ignored.map { "\($0.record.usageValue) \($0.record.selectorValue) \($0.record.matchingTypeValue): \($0.reason)" }
                + (malformed.isEmpty ? [] : ["\(malformed.count) malformed"])
            issues.append(Issue(.daneTlsaUnusable, subject: owner,
                "no TLSA record is usable for SMTP (\(why.joined(separator: "; "))); DANE senders use TLS without authenticating the host"))
        }
        return issues
    }

    /// `dane.no-rollover` when nothing would match after the host's next key or certificate change (RFC 7671
    /// §8.1, the "current + next" rule): every usable record is a DANE-EE record that matches the current
    /// leaf. A DANE-TA record (which survives a new leaf from the same CA) or a DANE-EE record that matches
    /// nothing served now (the next key, published ahead) makes the RRset ready. `nil` when it is ready, or
    /// when nothing matched at all (that is `dane.tlsa-mismatch`, reported by the handshake).
    ///
    /// - Parameter matchedNow: the usable records that matched the chain of at least one address of the host.
    public func rolloverIssue(matchedNow: Set<TLSAAssociation>) -> Issue? {
        guard !matchedNow.isEmpty else { return nil }
        let ready = usable.contains { $0.usage == .daneTA || !matchedNow.contains($0) }
        guard !ready else { return nil }
        return Issue(.daneNoRollover, subject: owner,
            "every usable TLSA record (\(usable.map(\.text).map { String($0.prefix(14)) + "…" }.joined(separator: ", "))) "
                + "matches the current certificate only: after the next key or certificate change nothing would match "
                + "and DANE senders would stop delivering; publish the next key's record now")
    }
}
