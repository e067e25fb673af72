/// Why a string is not a valid domain name. Each case has a stable code (`domain.<case>`), reported
/// under the issue code `domain.invalid`.
public enum DomainNameError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(length: Int)
    case emptyLabel
    case labelTooLong(label: String)
    case invalidCharacter(Character)
    case hyphenAtLabelEdge(label: String)
    case tooFewLabels
    case ipLiteral
    case nonASCII
    case idna(String)

    /// A stable detail code.
    public var code: String {
        switch self {
        case .empty: "domain.empty"
        case .tooLong: "domain.too-long"
        case .emptyLabel: "domain.empty-label"
        case .labelTooLong: "domain.label-too-long"
        case .invalidCharacter: "domain.invalid-character"
        case .hyphenAtLabelEdge: "domain.hyphen-at-label-edge"
        case .tooFewLabels: "domain.too-few-labels"
        case .ipLiteral: "domain.ip-literal"
        case .nonASCII: "domain.non-ascii"
        case .idna: "domain.idna"
        }
    }

    public var description: String {
        switch self {
        case .empty: "the name is empty"
        case .tooLong(let n): "the name is \(n) characters long; at most 253 are allowed"
        case .emptyLabel: "the name has an empty label (two dots in a row, or a leading dot)"
        case .labelTooLong(let l): "the label '\(l.prefix(20))…' is longer than 63 characters"
        case .invalidCharacter(let c): "the character '\(c.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())' is not allowed (letters, digits and hyphens only)"
        case .hyphenAtLabelEdge(let l): "the label '\(l)' starts or ends with a hyphen"
        case .tooFewLabels: "the name has a single label; a domain needs at least two"
        case .ipLiteral: "an IP address is not a domain name"
        case .nonASCII: "the name has non-ASCII characters; give it as A-labels (xn--…)"
        case .idna(let why): "the name cannot be converted to A-labels: \(why)"
        }
    }

    /// This error as a finding.
    public func issue(for input: String) -> Issue {
        Issue(.domainInvalid, .error, subject: input, "'\(input)' is not a valid domain name: \(self)")
    }
}

/// Converts a name with U-labels to A-labels (IDNA2008 / UTS-46 non-transitional). Implemented outside
/// the pure core (libidn2 in `PreloadIDNA`); the core itself only accepts ASCII.
public protocol IDNAConverting: Sendable {
    /// The A-label form of `name`, or a reason it has none.
    func toASCII(_ name: String) -> Result<String, DomainNameError>
}

/// A normalised, validated DNS host name: lowercase A-labels, no trailing dot, LDH labels of 1–63
/// characters, at most 253 characters, at least two labels, not an IP literal.
public struct DomainName: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The normalised name, e.g. `mail.example.com`.
    public let value: String

    /// Validates an ASCII name: lowercases it and removes one trailing dot.
    public init(_ input: String) throws(DomainNameError) {
        self.value = try Self.normalizeASCII(input)
    }

    /// Normalises user input that may contain U-labels, converting them with `idna`.
    public init(normalizing input: String, idna: any IDNAConverting) throws(DomainNameError) {
        if input.utf8.allSatisfy({ $0 < 0x80 }) {
            try self.init(input)
        } else {
            var name = Substring(input)
            if name.hasSuffix(".") || name.hasSuffix("。") { name = name.dropLast() }
            switch idna.toASCII(String(name)) {
            case .success(let ascii): try self.init(ascii)
            case .failure(let error): throw error
            }
        }
    }

    /// `true` when `input` is a valid domain name.
    public static func isValid(_ input: String) -> Bool { (try? DomainName(input)) != nil }

    private static func normalizeASCII(_ input: String) throws(DomainNameError) -> String {
        var bytes = Array(input.utf8)
        if bytes.isEmpty { throw .empty }
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        if bytes.isEmpty { throw .empty }
        if bytes.contains(where: { $0 >= 0x80 }) { throw .nonASCII }
        if bytes.count > 253 { throw .tooLong(length: bytes.count) }
        if isIPv4Literal(bytes) || bytes.contains(UInt8(ascii: ":")) || bytes.first == UInt8(ascii: "[") {
            // An IPv6 or bracketed literal would fail as invalid characters anyway; say what it is.
            if isIPv4Literal(bytes) || looksLikeIPLiteral(bytes) { throw .ipLiteral }
        }
        var labels = 0
        var start = 0
        for i in 0...bytes.count {
            if i == bytes.count || bytes[i] == UInt8(ascii: ".") {
                let label = bytes[start..<i]
                if label.isEmpty { throw .emptyLabel }
                let text = String(decoding: label, as: UTF8.self)
                if label.count > 63 { throw .labelTooLong(label: text) }
                if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
                    throw .hyphenAtLabelEdge(label: text)
                }
                labels += 1
                start = i + 1
                continue
            }
            let c = bytes[i]
            let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D
            if !ok { throw .invalidCharacter(Character(Unicode.Scalar(c))) }
        }
        if labels < 2 { throw .tooFewLabels }
        // A name whose last label is all digits is an address, not a host name (RFC 3696 §2).
        if let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")),
            bytes[(lastDot + 1)...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        {
            throw .ipLiteral
        }
        return String(decoding: bytes.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    private static func isIPv4Literal(_ bytes: [UInt8]) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }

    private static func looksLikeIPLiteral(_ bytes: [UInt8]) -> Bool {
        let inner = bytes.filter { $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]") }
        return inner.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) || c == 0x3A || c == 0x2E
        } || inner.starts(with: Array("IPv6:".utf8)) || inner.starts(with: Array("ipv6:".utf8))
    }

    /// The labels, left to right.
    public var labels: [Substring] { value.split(separator: ".") }

    /// The name without its left-most label, when at least two labels remain.
    public var parent: DomainName? {
        guard let dot = value.firstIndex(of: ".") else { return nil }
        return try? DomainName(String(value[value.index(after: dot)...]))
    }

    /// `true` when this name is `other` or lies under it.
    public func isSubdomain(of other: DomainName) -> Bool {
        value == other.value || value.hasSuffix("." + other.value)
    }

    public var description: String { value }
    public static func < (lhs: DomainName, rhs: DomainName) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(raw) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(raw)' is not a valid domain name: \(error)"))
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
