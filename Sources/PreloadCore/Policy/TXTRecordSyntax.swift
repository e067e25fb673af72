/// How a TXT record set parsed: the one record found valid, none of the kind, or an invalid set.
public enum RecordStatus: String, Sendable, Codable, Hashable, CaseIterable {
    /// Exactly one record of the kind, and it follows the grammar.
    case valid
    /// One record of the kind that breaks the grammar, or several records of the kind.
    case invalid
    /// No record of the kind in the set.
    case absent
}

/// One extension field of a `;`-separated TXT record, `name=value` (RFC 8461 §3.1, RFC 8460 §3).
public struct RecordExtension: Hashable, Sendable, Codable {
    /// The field name, e.g. `foo.bar`.
    public var name: String
    /// The field value.
    public var value: String

    /// An extension field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The pieces shared by the `_mta-sts` (RFC 8461 §3.1) and `_smtp._tls` (RFC 8460 §3) TXT grammars:
///
///     record      = version 1*(field-delim field) [field-delim]
///     field-delim = *WSP ";" *WSP
///     ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
///     ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
enum TXTRecordSyntax {
    /// The longest record looked at; a TXT RRset cannot carry more in one DNS message.
    static let maxRecordBytes = 65_535

    /// Joins the character-strings of one multi-string TXT record, with no separator.
    static func join(_ strings: [[UInt8]]) -> [UInt8] { strings.flatMap { $0 } }

    /// Whether `record` begins with `version` followed by the end, `;` or whitespace.
    ///
    /// RFC 8461 §3.1 and RFC 8460 §3 say "begin with `v=…;`", but the ABNF allows whitespace before
    /// the `;` (erratum 6285), and a record that is plainly of the kind but lacks the `;` is better
    /// reported as invalid than silently dropped.
    /// Which record of an RRset counts (RFC 8461 §3.1, RFC 8460 §3): the one record of the kind, none, or several.
    enum Selection {
        case one([UInt8])
        /// No record of the kind; `mistyped` when one starts with a variant of the version tag.
        case absent(mistyped: Bool)
        case multiple(Int)
    }

    /// Filters an RRset to the records of the kind `version` and selects the single one.
    static func select(_ records: [[UInt8]], version: [UInt8]) -> Selection {
        let candidates = records.filter { isOfKind($0, version: version) }
        if candidates.count == 1 { return .one(candidates[0]) }
        if candidates.isEmpty {
            return .absent(mistyped: records.contains { looksLikeMistypedVersion($0, version: version) })
        }
        return .multiple(candidates.count)
    }

    /// What the two kinds of record say differently while their set is read: the tag, the codes and the wording.
    struct Kind: Sendable {
        /// The version tag, e.g. `v=STSv1`.
        var version: String
        /// The policy's name in messages, e.g. `MTA-STS`.
        var policy: String
        /// The RFC that defines the record, e.g. `RFC 8461`.
        var rfc: String
        /// What senders do when there is no record, e.g. `see no MTA-STS policy`.
        var absentEffect: String
        /// The advice given for bytes outside US-ASCII.
        var nonASCIIAdvice: String
        /// Said after "valid ABNF" of whitespace before the first `;` (the erratum, where there is one).
        var spaceNote: String
        var missing: IssueCode
        var multiple: IssueCode
        var nonASCII: IssueCode
        var invalid: IssueCode
        var spaceBeforeDelimiter: IssueCode
        var unknownField: IssueCode
        /// See ``TXTRecordSyntax/parse(_:version:tolerateTrailingWhitespace:)``.
        var tolerateTrailingWhitespace = false
    }

    /// A record set read up to the fields of its one record of the kind.
    struct Reading {
        /// `absent` when no record is of the kind; otherwise `invalid` until the caller has checked the fields.
        var status: RecordStatus = .invalid
        /// The record (printable) when there was exactly one of the kind.
        var record: String?
        /// Its fields, or `nil` when there are none to look at (no single record, or bytes outside US-ASCII).
        var parsed: Parsed?
        /// The findings about the set and the record's shape.
        var issues: [Issue] = []
    }

    /// Selects the record of `kind` from `records` and splits it into fields, with the findings that do not
    /// depend on what the fields mean.
    static func read(_ records: [[UInt8]], _ kind: Kind) -> Reading {
        let tag = Array(kind.version.utf8)
        var reading = Reading()
        let record: [UInt8]
        switch select(records, version: tag) {
        case .one(let one):
            record = one
        case .absent(let mistyped):
            reading.status = .absent
            reading.issues.append(Issue(kind.missing,
                "no TXT record of the set starts with '\(kind.version)', so senders \(kind.absentEffect)"
                    + (mistyped ? mistypedHint : "")))
            return reading
        case .multiple(let count):
            reading.issues.append(Issue(kind.multiple,
                "\(count) TXT records start with '\(kind.version)'; with more than one, senders treat the domain as having no \(kind.policy) policy"))
            return reading
        }
        let text = printable(record)
        reading.record = text
        let parsed = parse(record, version: tag, tolerateTrailingWhitespace: kind.tolerateTrailingWhitespace)
        if parsed.nonASCII {
            reading.issues.append(Issue(kind.nonASCII, subject: text,
                "the record '\(text)' has bytes outside US-ASCII; \(kind.nonASCIIAdvice)"))
            return reading
        }
        for problem in parsed.problems {
            reading.issues.append(Issue(kind.invalid, subject: text, "the record '\(text)' is malformed: \(problem)"))
        }
        if parsed.spaceBeforeFirstDelimiter {
            reading.issues.append(Issue(kind.spaceBeforeDelimiter, subject: text,
                "whitespace stands between '\(kind.version)' and the first ';': valid ABNF\(kind.spaceNote), but senders that filter on '\(kind.version);' literally will ignore the record"))
        }
        reading.parsed = parsed
        return reading
    }

    /// A field the record's grammar does not define: an extension (noted as `kind.unknownField`, since
    /// senders ignore it), or `nil` with a `kind.invalid` finding when its name or value breaks the grammar.
    static func extensionField(_ field: (name: String, value: String), _ kind: Kind, _ issues: inout [Issue])
        -> RecordExtension?
    {
        if !isExtensionName(field.name) {
            issues.append(Issue(kind.invalid, subject: field.name,
                "'\(field.name)' is not a valid field name (a letter or digit, then at most 31 letters, digits, '_', '-' or '.')"))
            return nil
        }
        if !isExtensionValue(field.value) {
            issues.append(Issue(kind.invalid, subject: field.name,
                "the value of field '\(field.name)' must be printable ASCII without '=', ';' or spaces"))
            return nil
        }
        issues.append(Issue(kind.unknownField, subject: field.name,
            "the field '\(field.name)' is not defined by \(kind.rfc); senders ignore it"))
        return RecordExtension(name: field.name, value: field.value)
    }

    /// The finding for a required field `name` the record lacks.
    static func missingField(_ name: String, _ kind: Kind) -> Issue {
        Issue(kind.invalid, subject: name,
            "the record has no '\(name)=' field; it is required (note that field names are case-sensitive)")
    }

    /// The hint added to an "absent" finding when a record starts with a variant of the tag.
    static let mistypedHint =
        "; a record starts with a variant of it: the tag is case-sensitive and must come first, with no leading space"

    static func isOfKind(_ record: [UInt8], version: [UInt8]) -> Bool {
        guard record.starts(with: version) else { return false }
        guard record.count > version.count else { return true }
        let next = record[version.count]
        return next == UInt8(ascii: ";") || isWSP(next)
    }

    /// Whether a record of a different kind only differs from `version` by letter case or leading
    /// whitespace: a hint worth giving when nothing of the kind was found.
    static func looksLikeMistypedVersion(_ record: [UInt8], version: [UInt8]) -> Bool {
        let trimmed = record.drop(while: isWSP)
        guard trimmed.count >= version.count else { return false }
        return zip(trimmed.prefix(version.count), version).allSatisfy { lower($0) == lower($1) }
    }

    /// The fields of one record after its version tag, or the first grammar problem found.
    struct Parsed {
        /// `name=value` fields in order; a field is `(name, value)`.
        var fields: [(name: String, value: String)] = []
        /// Whether whitespace stands between the version tag and the first `;`.
        var spaceBeforeFirstDelimiter = false
        /// Human descriptions of grammar problems (empty when the shape is right).
        var problems: [String] = []
        /// Whether the record has bytes outside US-ASCII.
        var nonASCII = false
        /// Whether whitespace follows the last field: before the end, before a final `;`, or after it.
        /// Only whitespace directly before the end is outside the grammar; see `tolerateTrailingWhitespace`.
        var trailingWhitespace = false
    }

    /// Splits `record` (already filtered with ``isOfKind(_:version:)``) into fields.
    ///
    /// Only the shape is checked here: delimiters, empty fields, `=` in each field. Field names and
    /// values are checked by the caller, which knows its own fields. Whitespace after the last field with
    /// no `;` after it breaks the grammar; with `tolerateTrailingWhitespace` it is only flagged in
    /// ``Parsed/trailingWhitespace`` (as common TLS-RPT parsers read such records).
    static func parse(_ record: [UInt8], version: [UInt8], tolerateTrailingWhitespace: Bool = false) -> Parsed {
        var result = Parsed()
        if record.count > maxRecordBytes {
            result.problems.append("the record is \(record.count) bytes long; at most \(maxRecordBytes) are looked at")
            return result
        }
        if record.contains(where: { $0 >= 0x80 }) {
            result.nonASCII = true
            return result
        }
        let segments = record.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        // The first segment is the version tag, possibly followed by whitespace before the first `;`.
        let head = segments[0]
        let afterVersion = head.dropFirst(version.count)
        if !afterVersion.allSatisfy(isWSP) {
            result.problems.append("the version tag must be followed by ';' (found '\(printable(afterVersion.prefix(40)))')")
            return result
        }
        if segments.count == 1 {
            if !afterVersion.isEmpty {
                result.problems.append("whitespace after the version tag is allowed only before a ';'")
            }
            result.problems.append("the record has no fields after the version tag")
            return result
        }
        result.spaceBeforeFirstDelimiter = !afterVersion.isEmpty
        for (index, segment) in segments.enumerated().dropFirst() {
            let isLast = index == segments.count - 1
            let leading = segment.prefix(while: isWSP).count
            var field = segment.dropFirst(leading)
            let trailing = field.reversed().prefix(while: isWSP).count
            field = field.dropLast(trailing)
            if field.isEmpty {
                if isLast { break }  // an optional trailing `;` (and whitespace)
                result.problems.append("field \(index) is empty (two ';' in a row)")
                continue
            }
            if isLast && trailing > 0 && !tolerateTrailingWhitespace {
                result.problems.append("whitespace after the last field is allowed only before a ';'")
            }
            guard let eq = field.firstIndex(of: UInt8(ascii: "=")) else {
                result.problems.append("field '\(printable(field.prefix(40)))' has no '='")
                continue
            }
            let name = String(decoding: field[field.startIndex..<eq], as: UTF8.self)
            let value = String(decoding: field[(eq + 1)...], as: UTF8.self)
            result.fields.append((name, value))
        }
        if result.fields.isEmpty && result.problems.isEmpty {
            result.problems.append("the record has no fields after the version tag")
        }
        // What follows the last field's value: only whitespace and `;` (values never hold either).
        let tail = record.reversed().prefix { isWSP($0) || $0 == UInt8(ascii: ";") }
        result.trailingWhitespace = !result.fields.isEmpty && tail.contains(where: isWSP)
        return result
    }

    /// `ext-name`: starts with a letter or digit, then at most 31 letters, digits, `_`, `-` or `.`.
    static func isExtensionName(_ name: String) -> Bool {
        let b = Array(name.utf8)
        guard let first = b.first, isAlnum(first), b.count <= 32 else { return false }
        return b.dropFirst().allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// `ext-value`: one or more printable ASCII characters other than `=`, `;` and space.
    static func isExtensionValue(_ value: String) -> Bool {
        let b = Array(value.utf8)
        return !b.isEmpty && b.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: ";") }
    }

    static func isWSP(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    static func isAlnum(_ c: UInt8) -> Bool { isAlpha(c) || isDigit(c) }
    static func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c + 0x20 : c }

    /// Bytes for a message: printable ASCII kept, everything else escaped as `\xNN`.
    static func printable<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var s = ""
        for c in bytes {
            if c >= 0x20 && c < 0x7F {
                s.unicodeScalars.append(Unicode.Scalar(c))
            } else {
                let hex = String(c, radix: 16, uppercase: true)
                s += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return s
    }
}
