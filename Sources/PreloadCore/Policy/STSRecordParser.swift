/// What the `_mta-sts` TXT RRset of a domain says (RFC 8461 §3.1).
public struct STSRecordResult: Hashable, Sendable {
    /// `valid` when exactly one `v=STSv1` record exists and follows the grammar.
    public var status: RecordStatus
    /// The policy id; set only when `status` is `valid`.
    public var id: String?
    /// Extension fields of the record (senders ignore them); set only when `status` is `valid`.
    public var extensions: [RecordExtension]
    /// The `v=STSv1` record that was parsed, when there was exactly one.
    public var record: String?
    /// Findings: errors make the set invalid, warnings and infos do not.
    public var issues: [Issue]
}

/// Parses the `_mta-sts` TXT RRset of RFC 8461 §3.1, strictly to its ABNF:
///
///     sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
///     sts-field       = sts-id / sts-extension
///     sts-version     = %s"v=STSv1"
///     sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
///
/// Records that do not begin with `v=STSv1` are discarded; exactly one must remain. `v=STSv1 ;id=x`
/// (whitespace before the first `;`) is accepted with a warning (erratum 6285).
public enum STSRecordParser {
    /// The version tag every MTA-STS record starts with.
    public static let version = "v=STSv1"

    /// Joins the character-strings of one multi-string TXT record, with no separator (RFC 8461 §3.1).
    public static func join(_ strings: [String]) -> String { strings.joined() }

    /// Joins the character-strings of one multi-string TXT record given as bytes.
    public static func join(_ strings: [[UInt8]]) -> [UInt8] { TXTRecordSyntax.join(strings) }

    /// Parses a TXT RRset given as text, one element per record (multi-string records already joined).
    public static func parse(_ records: [String]) -> STSRecordResult {
        parse(bytes: records.map { Array($0.utf8) })
    }

    /// Parses a TXT RRset given as bytes, one element per record (multi-string records already joined).
    public static func parse(bytes records: [[UInt8]]) -> STSRecordResult {
        let tag = Array(version.utf8)
        var result = STSRecordResult(status: .invalid, id: nil, extensions: [], record: nil, issues: [])
        let record: [UInt8]
        switch TXTRecordSyntax.select(records, version: tag) {
        case .one(let one):
            record = one
        case .absent(let mistyped):
            result.status = .absent
            result.issues.append(Issue(.mtaStsTxtMissing,
                "no TXT record of the set starts with '\(version)', so senders see no MTA-STS policy"
                    + (mistyped ? TXTRecordSyntax.mistypedHint : "")))
            return result
        case .multiple(let count):
            result.issues.append(Issue(.mtaStsTxtMultiple,
                "\(count) TXT records start with '\(version)'; with more than one, senders treat the domain as having no MTA-STS policy"))
            return result
        }
        let text = TXTRecordSyntax.printable(record)
        result.record = text
        let parsed = TXTRecordSyntax.parse(record, version: tag)
        if parsed.nonASCII {
            result.issues.append(Issue(.mtaStsTxtNonAscii, subject: text,
                "the record '\(text)' has bytes outside US-ASCII; MTA-STS records must be US-ASCII"))
            return result
        }
        for problem in parsed.problems {
            result.issues.append(Issue(.mtaStsTxtInvalid, subject: text, "the record '\(text)' is malformed: \(problem)"))
        }
        if parsed.spaceBeforeFirstDelimiter {
            result.issues.append(Issue(.mtaStsTxtErratum6285, subject: text,
                "whitespace stands between '\(version)' and the first ';': valid ABNF (RFC 8461 erratum 6285), but senders that filter on 'v=STSv1;' literally will ignore the record"))
        }
        var id: String?
        var extensions: [RecordExtension] = []
        for field in parsed.fields {
            if field.name == "id" {
                if id != nil {
                    result.issues.append(Issue(.mtaStsTxtInvalid, subject: "id",
                        "the record has more than one 'id' field; give exactly one"))
                } else if isID(field.value) {
                    id = field.value
                } else {
                    id = ""
                    result.issues.append(Issue(.mtaStsTxtInvalid, subject: "id",
                        "the id '\(field.value)' is not 1 to 32 letters and digits (no '-', '.', '_' or spaces)"))
                }
            } else if !TXTRecordSyntax.isExtensionName(field.name) {
                result.issues.append(Issue(.mtaStsTxtInvalid, subject: field.name,
                    "'\(field.name)' is not a valid field name (a letter or digit, then at most 31 letters, digits, '_', '-' or '.')"))
            } else if !TXTRecordSyntax.isExtensionValue(field.value) {
                result.issues.append(Issue(.mtaStsTxtInvalid, subject: field.name,
                    "the value of field '\(field.name)' must be printable ASCII without '=', ';' or spaces"))
            } else {
                extensions.append(RecordExtension(name: field.name, value: field.value))
                result.issues.append(Issue(.mtaStsTxtUnknownField, subject: field.name,
                    "the field '\(field.name)' is not defined by RFC 8461; senders ignore it"))
            }
        }
        if id == nil && parsed.problems.isEmpty {
            result.issues.append(Issue(.mtaStsTxtInvalid, subject: "id",
                "the record has no 'id=' field; it is required (note that field names are case-sensitive)"))
        }
        if !result.issues.hasErrors, let id, !id.isEmpty {
            result.status = .valid
            result.id = id
            result.extensions = extensions
        } else if !result.issues.hasErrors {
            // Unreachable by construction; never call a record valid without an id.
            result.issues.append(Issue(.mtaStsTxtInvalid, "the record has no usable id"))
        }
        return result
    }

    /// `1*32(ALPHA / DIGIT)`.
    static func isID(_ value: String) -> Bool {
        let b = Array(value.utf8)
        return (1...32).contains(b.count) && b.allSatisfy(TXTRecordSyntax.isAlnum)
    }
}
