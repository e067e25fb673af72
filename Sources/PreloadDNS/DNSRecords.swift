import PreloadCore
/// Record data that can be read from its wire form (RDATA, names uncompressed as libunbound returns them).
public protocol DNSRecordData: Sendable, Hashable {
    /// The record type this data belongs to.
    static var recordType: DNSRecordType { get }
    /// Parses one RDATA; `nil` when it is malformed.
    init?(rdata: [UInt8])
}

/// An MX record read from its RDATA.
extension MXRecord: DNSRecordData {
    public static let recordType = DNSRecordType.mx

    public init?(rdata: [UInt8]) {
        guard rdata.count >= 3 else { return nil }
        var offset = 2
        guard let name = WireName.read(rdata, at: &offset), offset == rdata.count else { return nil }
        self.init(preference: UInt16(rdata[0]) << 8 | UInt16(rdata[1]), exchange: name)
    }
}

/// An IPv4 address record, in dotted-quad text.
public struct ARecord: DNSRecordData, Codable {
    public static let recordType = DNSRecordType.a
    /// The address, e.g. `192.0.2.1`.
    public var address: String

    /// An A value.
    public init(address: String) { self.address = address }

    public init?(rdata: [UInt8]) {
        guard rdata.count == 4 else { return nil }
        address = rdata.map(String.init).joined(separator: ".")
    }
}

/// An IPv6 address record, in RFC 5952 text.
public struct AAAARecord: DNSRecordData, Codable {
    public static let recordType = DNSRecordType.aaaa
    /// The address, e.g. `2001:db8::1`.
    public var address: String

    /// An AAAA value.
    public init(address: String) { self.address = address }

    public init?(rdata: [UInt8]) {
        guard rdata.count == 16 else { return nil }
        address = IPv6Text.format(rdata)
    }
}

/// A TXT record: its character-strings, kept apart, and their concatenation.
public struct TXTRecord: DNSRecordData, Codable {
    public static let recordType = DNSRecordType.txt
    /// Each character-string's bytes, in order.
    public var strings: [[UInt8]]

    /// A TXT value from its character-strings.
    public init(strings: [[UInt8]]) { self.strings = strings }

    /// A TXT value from text strings (tests, fakes).
    public init(_ strings: String...) { self.strings = strings.map { Array($0.utf8) } }

    public init?(rdata: [UInt8]) {
        var strings: [[UInt8]] = []
        var i = 0
        while i < rdata.count {
            let length = Int(rdata[i])
            guard i + 1 + length <= rdata.count else { return nil }
            strings.append(Array(rdata[(i + 1)..<(i + 1 + length)]))
            i += 1 + length
        }
        self.strings = strings
    }

    /// All strings concatenated with no separator (RFC 8461 §3.1, RFC 8460 §3), as bytes.
    public var joinedBytes: [UInt8] { strings.flatMap { $0 } }

    /// All strings concatenated with no separator, decoded as UTF-8 (invalid bytes replaced); check
    /// ``isASCII`` where only US-ASCII is allowed.
    public var joined: String { String(decoding: joinedBytes, as: UTF8.self) }

    /// Whether every byte is US-ASCII.
    public var isASCII: Bool { joinedBytes.allSatisfy { $0 < 0x80 } }
}

/// A TLSA record (RFC 6698), for DANE.
public struct TLSARecord: DNSRecordData, Codable {
    public static let recordType = DNSRecordType.tlsa
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    public var usage: UInt8
    /// Selector: 0 full certificate, 1 SubjectPublicKeyInfo.
    public var selector: UInt8
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    public var matchingType: UInt8
    /// The association data.
    public var data: [UInt8]

    /// A TLSA value.
    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    public init?(rdata: [UInt8]) {
        guard rdata.count >= 3 else { return nil }
        self.init(usage: rdata[0], selector: rdata[1], matchingType: rdata[2], data: Array(rdata[3...]))
    }

    /// The association data in lower-case hex.
    public var dataHex: String { data.map { String($0, radix: 16).leftPadded(2) }.joined() }
}

/// Domain names in uncompressed wire form.
enum WireName {
    /// Reads a name at `offset`, advancing it; text form without trailing dot, `"."` for the root.
    /// Bytes other than letters, digits, `-` and `_` are written as `\DDD` (and `.`/`\` escaped).
    static func read(_ bytes: [UInt8], at offset: inout Int) -> String? {
        var labels: [String] = []
        var total = 0
        while true {
            guard offset < bytes.count else { return nil }
            let length = Int(bytes[offset])
            offset += 1
            if length == 0 { break }
            guard length <= 63, offset + length <= bytes.count else { return nil }  // no compression pointers
            total += length + 1
            guard total <= 255 else { return nil }
            var label = ""
            for byte in bytes[offset..<(offset + length)] {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                    label.unicodeScalars.append(Unicode.Scalar(byte))
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    label += "\\" + String(Unicode.Scalar(byte))
                default:
                    label += "\\" + String(byte).leftPadded(3, with: "0")
                }
            }
            labels.append(label)
            offset += length
        }
        return labels.isEmpty ? "." : labels.joined(separator: ".")
    }
}

/// RFC 5952 text for IPv6 addresses.
enum IPv6Text {
    static func format(_ b: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xFFFF {
            return "::ffff:" + b[12..<16].map(String.init).joined(separator: ".")
        }
        // The longest run (leftmost on ties) of two or more zero groups becomes "::".
        var bestStart = -1, bestLength = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > bestLength, j - i >= 2 { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let left = hex[0..<bestStart].joined(separator: ":")
        let right = hex[(bestStart + bestLength)...].joined(separator: ":")
        return left + "::" + right
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
