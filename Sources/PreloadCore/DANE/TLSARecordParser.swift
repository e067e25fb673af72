/// One TLSA record's certificate association (RFC 6698 §2.1): usage, selector, matching type and data.
///
/// The parameters are kept as the bytes that were published, so that unknown values survive parsing (RFC
/// 6698 §4.1: records with unknown parameters are unusable and ignored, not errors); ``usage`` & co. name
/// the known ones.
public struct TLSAAssociation: Sendable, Hashable, Codable {
    /// Certificate usage (RFC 6698 §2.1.1, RFC 7218 acronyms).
    public enum Usage: UInt8, Sendable, CaseIterable {
        /// PKIX-TA(0): a CA of the Web PKI chain; not used for SMTP (RFC 7672 §3.1.3).
        case pkixTA = 0
        /// PKIX-EE(1): the server certificate, plus Web PKI validation; not used for SMTP (RFC 7672 §3.1.3).
        case pkixEE = 1
        /// DANE-TA(2): a trust anchor that must be in the served chain, with name checks (RFC 7672 §3.1.2).
        case daneTA = 2
        /// DANE-EE(3): the server certificate or key itself; no name or expiry checks (RFC 7672 §3.1.1).
        case daneEE = 3

        /// The RFC 7218 acronym, e.g. `DANE-EE`.
        public var acronym: String {
            switch self {
            case .pkixTA: "PKIX-TA"
            case .pkixEE: "PKIX-EE"
            case .daneTA: "DANE-TA"
            case .daneEE: "DANE-EE"
            }
        }
    }

    /// Selector (RFC 6698 §2.1.2).
    public enum Selector: UInt8, Sendable, CaseIterable {
        /// Cert(0): the full DER certificate.
        case certificate = 0
        /// SPKI(1): the DER SubjectPublicKeyInfo.
        case subjectPublicKeyInfo = 1
    }

    /// Matching type (RFC 6698 §2.1.3).
    public enum MatchingType: UInt8, Sendable, CaseIterable {
        /// Full(0): the selected content itself.
        case full = 0
        /// SHA2-256(1): its SHA-256 digest, 32 bytes.
        case sha256 = 1
        /// SHA2-512(2): its SHA-512 digest, 64 bytes.
        case sha512 = 2

        /// The digest length in bytes, `nil` for ``full``.
        public var digestLength: Int? {
            switch self {
            case .full: nil
            case .sha256: 32
            case .sha512: 64
            }
        }
    }

    /// The certificate usage byte as published.
    public var usageValue: UInt8
    /// The selector byte as published.
    public var selectorValue: UInt8
    /// The matching type byte as published.
    public var matchingTypeValue: UInt8
    /// The certificate association data.
    public var data: [UInt8]

    /// An association; ``TLSARecordParser`` makes them from outside input.
    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        usageValue = usage
        selectorValue = selector
        matchingTypeValue = matchingType
        self.data = data
    }

    /// The usage, when it is one RFC 6698 defines.
    public var usage: Usage? { Usage(rawValue: usageValue) }
    /// The selector, when it is one RFC 6698 defines.
    public var selector: Selector? { Selector(rawValue: selectorValue) }
    /// The matching type, when it is one RFC 6698 defines.
    public var matchingType: MatchingType? { MatchingType(rawValue: matchingTypeValue) }

    /// Whether SMTP senders use the record (RFC 7672 §3.1): usage DANE-TA or DANE-EE with a known selector and
    /// matching type. PKIX-TA/PKIX-EE and unknown parameters are not used.
    public var isUsableForSMTP: Bool {
        (usage == .daneTA || usage == .daneEE) && selector != nil && matchingType != nil
    }

    /// Why senders do not use the record, or `nil` when they do (see ``isUsableForSMTP``).
    public var unusableReason: String? {
        switch usage {
        case nil: return "certificate usage \(usageValue) is not defined"
        case .pkixTA?, .pkixEE?:
            return "usage \(usageValue) (\(usage!.acronym)) is not used for SMTP (RFC 7672 §3.1.3)"
        case .daneTA?, .daneEE?: break
        }
        if selector == nil { return "selector \(selectorValue) is not defined" }
        if matchingType == nil { return "matching type \(matchingTypeValue) is not defined" }
        return nil
    }

    /// The RDATA: the three parameter bytes, then the data.
    public var rdata: [UInt8] { [usageValue, selectorValue, matchingTypeValue] + data }

    /// The association data in lower-case hex.
    public var dataHex: String { TLSARecordParser.hex(data) }

    /// The presentation form, `3 1 1 0123…` (RFC 6698 §2.2), data in lower-case hex.
    public var text: String { "\(usageValue) \(selectorValue) \(matchingTypeValue) \(dataHex)" }
}

/// Why a TLSA record was refused. The finding is `dane.tlsa-malformed`; `reason` says what is wrong.
public struct TLSAMalformed: Error, Sendable, Hashable {
    /// What is wrong, as a sentence fragment: "the RDATA has 2 bytes; a TLSA record needs at least 4".
    public var reason: String

    /// A refusal.
    public init(_ reason: String) { self.reason = reason }

    /// The finding for a record at `owner` (e.g. `_25._tcp.mx.example.com`).
    public func issue(owner: String?) -> Issue {
        Issue(.daneTlsaMalformed, subject: owner, "malformed TLSA record: \(reason); senders ignore it")
    }
}

/// Parses TLSA records (RFC 6698 §2) from their wire RDATA or presentation text, refusing malformed ones with a
/// ``TLSAMalformed`` reason. Pure: no I/O.
///
/// Malformed (what OpenSSL's `SSL_dane_tlsa_add` and Postfix also refuse):
/// - fewer than three parameter bytes, or no association data;
/// - a digest (matching type 1 or 2) whose length is not 32 or 64 bytes;
/// - full data (matching type 0) that is not one DER SEQUENCE exactly filling the data — a certificate
///   (selector 0) or a SubjectPublicKeyInfo (selector 1) is always one.
///
/// Unknown usages, selectors and matching types are *not* malformed: RFC 6698 §4.1 says to ignore such
/// records, which ``TLSAAssociation/isUsableForSMTP`` reports; a digest length is checked only for the
/// matching types whose digest is known.
public enum TLSARecordParser {
    /// The longest association data accepted: a DNS RDATA holds at most 65535 bytes.
    public static let maxDataLength = 65535 - 3

    /// Parses one TLSA RDATA.
    public static func parse(rdata: [UInt8]) -> Result<TLSAAssociation, TLSAMalformed> {
        guard rdata.count >= 3 else {
            return .failure(TLSAMalformed(
                "the RDATA has \(rdata.count) byte\(rdata.count == 1 ? "" : "s"); a TLSA record needs at least 4 "
                    + "(usage, selector, matching type, data)"))
        }
        return check(TLSAAssociation(usage: rdata[0], selector: rdata[1], matchingType: rdata[2],
                                     data: Array(rdata[3...])))
    }

    /// Parses the presentation form `USAGE SELECTOR MATCHING-TYPE HEX…` (RFC 6698 §2.2): three decimal
    /// numbers 0-255, then the data in hex, which may be split by whitespace (as in zone files). Mnemonics
    /// (RFC 7218 `DANE-EE SPKI SHA2-256`) are accepted for the three parameters.
    public static func parse(text: String) -> Result<TLSAAssociation, TLSAMalformed> {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard fields.count >= 4 else {
            return .failure(TLSAMalformed(
                "'\(printable(text))' has \(fields.count) field\(fields.count == 1 ? "" : "s"); a TLSA record is "
                    + "'usage selector matching-type data'"))
        }
        var parameters: [UInt8] = []
        for (index, field) in fields.prefix(3).enumerated() {
            guard let value = parameter(String(field), index: index) else {
                let names = ["usage", "selector", "matching type"]
                return .failure(TLSAMalformed("the \(names[index]) '\(printable(String(field)))' is not a number from 0 to 255"))
            }
            parameters.append(value)
        }
        var data: [UInt8] = []
        var high: UInt8?
        for field in fields.dropFirst(3) {
            for byte in field.utf8 {
                guard let nibble = nibble(byte) else {
                    return .failure(TLSAMalformed("the data '\(printable(String(field)))' is not hexadecimal"))
                }
                if let h = high {
                    data.append(h << 4 | nibble)
                    high = nil
                } else {
                    high = nibble
                }
                guard data.count <= maxDataLength else {
                    return .failure(TLSAMalformed("the data is longer than a DNS record can hold"))
                }
            }
        }
        guard high == nil else { return .failure(TLSAMalformed("the data has an odd number of hex digits")) }
        return check(TLSAAssociation(usage: parameters[0], selector: parameters[1], matchingType: parameters[2], data: data))
    }

    /// The checks shared by both forms.
    static func check(_ association: TLSAAssociation) -> Result<TLSAAssociation, TLSAMalformed> {
        let data = association.data
        guard !data.isEmpty else { return .failure(TLSAMalformed("the record has no association data")) }
        guard data.count <= maxDataLength else { return .failure(TLSAMalformed("the data is longer than a DNS record can hold")) }
        switch association.matchingType {
        case .sha256?, .sha512?:
            let want = association.matchingType!.digestLength!
            guard data.count == want else {
                let name = association.matchingType == .sha256 ? "SHA-256" : "SHA-512"
                return .failure(TLSAMalformed(
                    "matching type \(association.matchingTypeValue) (\(name)) needs \(want) bytes (\(2 * want) hex "
                        + "digits), the data has \(data.count)"))
            }
        case .full?:
            if association.selector != nil, !isOneDERSequence(data) {
                let what = association.selector == .certificate ? "a DER certificate" : "a DER SubjectPublicKeyInfo"
                return .failure(TLSAMalformed("matching type 0 needs \(what), and the data is not one DER SEQUENCE"))
            }
        case nil:
            break  // unknown matching type: unusable, not malformed
        }
        return .success(association)
    }

    /// Whether `bytes` is exactly one DER SEQUENCE (tag 0x30, definite minimal length, content filling the rest).
    static func isOneDERSequence(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2, bytes[0] == 0x30 else { return false }
        let first = Int(bytes[1])
        var length = 0
        var header = 2
        if first < 0x80 {
            length = first
        } else {
            let count = first & 0x7F
            guard count >= 1, count <= 3, bytes.count >= 2 + count else { return false }  // ≤ 16 MiB; 0x80 is indefinite
            for i in 0..<count { length = length << 8 | Int(bytes[2 + i]) }
            guard bytes[2] != 0, length >= 0x80 else { return false }  // minimal encoding (DER)
            header += count
        }
        return header + length == bytes.count
    }

    private static let mnemonics: [[String: UInt8]] = [
        ["PKIX-TA": 0, "PKIX-EE": 1, "DANE-TA": 2, "DANE-EE": 3, "PRIVCERT": 255],
        ["CERT": 0, "SPKI": 1, "PRIVSEL": 255],
        ["FULL": 0, "SHA2-256": 1, "SHA2-512": 2, "PRIVMATCH": 255],
    ]

    private static func parameter(_ field: String, index: Int) -> UInt8? {
        if let value = mnemonics[index][field.uppercased()] { return value }
        guard !field.isEmpty, field.count <= 3, field.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt8(field)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` cut to 40 characters with control and non-ASCII characters escaped, for messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(40) {
            out += scalar.value >= 0x20 && scalar.value < 0x7F ? String(scalar) : "\\u{\(String(scalar.value, radix: 16))}"
        }
        return text.unicodeScalars.count > 40 ? out + "…" : out
    }
}
