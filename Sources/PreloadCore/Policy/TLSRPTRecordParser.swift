/// What the `_smtp._tls` TXT RRset of a domain says (RFC 8460 §3).
public struct TLSRPTRecordResult: Hashable, Sendable {
    /// `valid` when exactly one `v=TLSRPTv1` record exists and follows the grammar.
    public var status: RecordStatus
    /// The report URIs (`mailto:` or `https:`), in record order; set only when `status` is `valid`.
    public var rua: [String]
    /// Extension fields of the record (senders ignore them); set only when `status` is `valid`.
    public var extensions: [RecordExtension]
    /// The `v=TLSRPTv1` record that was parsed, when there was exactly one.
    public var record: String?
    /// Findings. TLS-RPT is optional for senders, so none is an error: `tls-rpt.invalid` and
    /// `tls-rpt.multiple` (warnings) go with the status `invalid`.
    public var issues: [Issue]
}

/// Parses the `_smtp._tls` TXT RRset of RFC 8460 §3, strictly to its ABNF:
///
///     tlsrpt-record  = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
///     tlsrpt-field   = tlsrpt-rua / tlsrpt-extension
///     tlsrpt-version = %s"v=TLSRPTv1"
///     tlsrpt-rua     = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
///
/// `rua` is required; each URI is `mailto:` or `https:`, with `,`, `!` and `;` percent-encoded.
/// The same filter as MTA-STS applies: records not beginning with `v=TLSRPTv1` are discarded and
/// exactly one must remain.
///
/// TLS-RPT is optional for senders (RFC 8460), so its findings never block eligibility: an unreadable
/// record (`tls-rpt.invalid`) or several (`tls-rpt.multiple`) are warnings, and the status says
/// `invalid`. Whitespace after the last field, which common receivers' parsers strip, is read with the
/// warning `tls-rpt.whitespace`.
public enum TLSRPTRecordParser {
    /// The version tag every TLS-RPT record starts with.
    public static let version = "v=TLSRPTv1"

    /// Joins the character-strings of one multi-string TXT record, with no separator.
    public static func join(_ strings: [String]) -> String { strings.joined() }

    /// Parses a TXT RRset given as text, one element per record (multi-string records already joined).
    public static func parse(_ records: [String]) -> TLSRPTRecordResult {
        parse(bytes: records.map { Array($0.utf8) })
    }

    /// The tag, codes and wording of `_smtp._tls` records.
    static let kind = TXTRecordSyntax.Kind(
        version: version, policy: "TLS-RPT", rfc: "RFC 8460", absentEffect: "send no TLS reports",
        nonASCIIAdvice: "percent-encode them in URIs", spaceNote: "",
        missing: .tlsRptMissing, multiple: .tlsRptMultiple, nonASCII: .tlsRptInvalid, invalid: .tlsRptInvalid,
        spaceBeforeDelimiter: .tlsRptSpaceBeforeSemicolon, unknownField: .tlsRptUnknownField,
        tolerateTrailingWhitespace: true)

    /// Parses a TXT RRset given as bytes, one element per record (multi-string records already joined).
    public static func parse(bytes records: [[UInt8]]) -> TLSRPTRecordResult {
        let reading = TXTRecordSyntax.read(records, kind)
        var result = TLSRPTRecordResult(status: reading.status, rua: [], extensions: [], record: reading.record,
                                        issues: reading.issues)
        guard let parsed = reading.parsed, let text = reading.record else { return result }
        if parsed.trailingWhitespace {
            result.issues.append(Issue(.tlsRptWhitespace, subject: text,
                "the record '\(text)' ends in whitespace after its last field; common parsers strip it, but a strict reading of RFC 8460 does not allow it"))
        }
        var rua: [String]?
        var extensions: [RecordExtension] = []
        for field in parsed.fields {
            if field.name == "rua" {
                if rua != nil {
                    result.issues.append(Issue(.tlsRptInvalid, subject: "rua",
                        "the record has more than one 'rua' field; list every URI in one, separated by commas"))
                    continue
                }
                rua = []
                for uri in splitURIs(field.value) {
                    if let problem = ReportURI.problem(uri) {
                        result.issues.append(Issue(.tlsRptInvalid, subject: uri, "the rua URI '\(uri)' is not usable: \(problem)"))
                    } else {
                        rua?.append(uri)
                    }
                }
            } else if let known = TXTRecordSyntax.extensionField(field, kind, &result.issues) {
                extensions.append(known)
            }
        }
        if rua == nil && parsed.problems.isEmpty {
            result.issues.append(TXTRecordSyntax.missingField("rua", kind))
        }
        let unreadable = result.issues.contains { $0.code == invalidCode }
        if !unreadable, let rua, !rua.isEmpty {
            result.status = .valid
            result.rua = rua
            result.extensions = extensions
        } else if !unreadable {
            result.issues.append(Issue(invalidCode, subject: "rua", "the record has no usable report URI"))
        }
        return result
    }

    /// The code of a record that cannot be read; its default severity is a warning, so the status, not
    /// the severity, says whether the record counts.
    static let invalidCode: IssueCode = .tlsRptInvalid

    /// `tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)`: the URIs, with the whitespace around commas removed.
    /// An empty element (a leading, trailing or doubled comma) is kept as `""` so it is reported.
    static func splitURIs(_ value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let b = Array(part.utf8)
            let start = b.firstIndex { !TXTRecordSyntax.isWSP($0) } ?? b.count
            let end = b.lastIndex { !TXTRecordSyntax.isWSP($0) }.map { $0 + 1 } ?? start
            return String(decoding: b[start..<max(start, end)], as: UTF8.self)
        }
    }
}

/// Syntax checks for TLS-RPT report URIs (RFC 8460 §3 with RFC 3986 and RFC 6068), reasonable
/// rather than complete: `mailto:local@domain[?hfields]` or `https://host[:port][/path][?query]`.
enum ReportURI {
    /// Why `uri` is not a usable report URI, or `nil` when it is.
    static func problem(_ uri: String) -> String? {
        let b = Array(uri.utf8)
        if b.isEmpty { return "it is empty (a stray comma?)" }
        if let bad = b.first(where: { !isURIChar($0) }) {
            if bad == UInt8(ascii: "!") || bad == UInt8(ascii: ",") || bad == UInt8(ascii: ";") {
                return "'\(Character(Unicode.Scalar(bad)))' must be percent-encoded in a TLS-RPT URI"
            }
            return "the character '\(TXTRecordSyntax.printable([bad]))' is not allowed in a URI"
        }
        if let percent = badPercentEncoding(b) { return percent }
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")) else {
            return "it has no scheme; use mailto: or https:"
        }
        let scheme = String(decoding: b[..<colon].map(TXTRecordSyntax.lower), as: UTF8.self)
        let rest = Array(b[(colon + 1)...])
        switch scheme {
        case "mailto": return mailtoProblem(rest)
        case "https": return httpsProblem(rest)
        default: return "the scheme '\(scheme)' is not supported; RFC 8460 defines mailto: and https:"
        }
    }

    private static func mailtoProblem(_ rest: [UInt8]) -> String? {
        let address = rest.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard let at = address.lastIndex(of: UInt8(ascii: "@")) else {
            return "a mailto: URI needs an address of the form local@domain"
        }
        let local = address[address.startIndex..<at]
        let domain = String(decoding: address[(at + 1)...], as: UTF8.self)
        if local.isEmpty { return "the address has an empty local part" }
        if local.contains(UInt8(ascii: "@")) { return "the address has more than one '@' (encode it as %40)" }
        if local.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "#") }) {
            return "the local part has characters that are not allowed in an address"
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") { return nil }  // an address literal
        do { _ = try DomainName(domain) } catch { return "the address domain '\(domain)' is invalid: \(error)" }
        return nil
    }

    private static func httpsProblem(_ rest: [UInt8]) -> String? {
        guard rest.starts(with: Array("//".utf8)) else { return "an https: URI needs '//' and a host" }
        let afterSlashes = rest.dropFirst(2)
        let authorityEnd = afterSlashes.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? afterSlashes.endIndex
        let authority = afterSlashes[afterSlashes.startIndex..<authorityEnd]
        if authority.isEmpty { return "an https: URI needs a host" }
        if authority.contains(UInt8(ascii: "@")) { return "user information in an https: report URI is not supported" }
        var host = authority
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return "the IPv6 host has no ']'" }
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":"), validPort(after.dropFirst()) else { return "the port is invalid" }
            }
            let inner = authority[(authority.startIndex + 1)..<close]
            let hexColon = inner.allSatisfy { TXTRecordSyntax.isDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
                || (TXTRecordSyntax.lower($0) >= 0x61 && TXTRecordSyntax.lower($0) <= 0x66) }
            return hexColon && inner.contains(UInt8(ascii: ":")) ? nil : "the bracketed host is not an IPv6 address"
        }
        if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            guard validPort(authority[(colon + 1)...]) else { return "the port is invalid" }
            host = authority[authority.startIndex..<colon]
        }
        let hostText = String(decoding: host, as: UTF8.self)
        if isIPv4(host) { return nil }
        do { _ = try DomainName(hostText) } catch { return "the host '\(hostText)' is invalid: \(error)" }
        return nil
    }

    private static func validPort(_ digits: ArraySlice<UInt8>) -> Bool {
        guard (1...5).contains(digits.count), digits.allSatisfy(TXTRecordSyntax.isDigit) else { return false }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return value >= 1 && value <= 65535
    }

    private static func isIPv4(_ host: ArraySlice<UInt8>) -> Bool {
        let parts = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            (1...3).contains(part.count) && part.allSatisfy(TXTRecordSyntax.isDigit)
                && part.reduce(0) { $0 * 10 + Int($1 - 0x30) } <= 255
        }
    }

    /// RFC 3986 characters, less `,`, `!` and `;`, which RFC 8460 (with erratum 8070) requires encoded.
    private static func isURIChar(_ c: UInt8) -> Bool {
        if TXTRecordSyntax.isAlnum(c) { return true }
        switch c {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),  // unreserved
            UInt8(ascii: "%"),  // pct-encoded
            UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "="),  // sub-delims, less "!", ",", ";"
            UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"),
            UInt8(ascii: "["), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }

    private static func badPercentEncoding(_ b: [UInt8]) -> String? {
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%") {
                guard i + 2 < b.count, isHex(b[i + 1]), isHex(b[i + 2]) else {
                    return "a '%' must be followed by two hexadecimal digits"
                }
                i += 3
            } else {
                i += 1
            }
        }
        return nil
    }

    private static func isHex(_ c: UInt8) -> Bool {
        TXTRecordSyntax.isDigit(c) || (TXTRecordSyntax.lower(c) >= 0x61 && TXTRecordSyntax.lower(c) <= 0x66)
    }
}
