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

    /// The tag, codes and wording of `_mta-sts` records.
    static let kind = TXTRecordSyntax.Kind(
        version: version, policy: "MTA-STS", rfc: "RFC 8461", absentEffect: "see no MTA-STS policy",
        nonASCIIAdvice: "MTA-STS records must be US-ASCII", spaceNote: " (RFC 8461 erratum 6285)",
        missing: .mtaStsTxtMissing, multiple: .mtaStsTxtMultiple, nonASCII: .mtaStsTxtNonAscii, invalid: .mtaStsTxtInvalid,
        spaceBeforeDelimiter: .mtaStsTxtErratum6285, unknownField: .mtaStsTxtUnknownField)

    /// Parses a TXT RRset given as bytes, one element per record (multi-string records already joined).
    public static func parse(bytes records: [[UInt8]]) -> STSRecordResult {
        let reading = TXTRecordSyntax.read(records, kind)
        var result = STSRecordResult(status: reading.status, id: nil, extensions: [], record: reading.record,
                                     issues: reading.issues)
        guard let parsed = reading.parsed else { return result }
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
            } else if let known = TXTRecordSyntax.extensionField(field, kind, &result.issues) {
                extensions.append(known)
            }
        }
        if id == nil && parsed.problems.isEmpty {
            result.issues.append(TXTRecordSyntax.missingField("id", kind))
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
