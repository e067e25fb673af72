/// A list rendered in EFF's v0.1 format, with what the conversion could not keep.
public struct EFFExport: Sendable {
    /// The v0.1 file: UTF-8, two-space indentation, final newline.
    public var bytes: [UInt8]
    /// `list.conversion-inexact` warnings and `list.conversion-normalized` notes.
    public var issues: [Issue]
}

/// Converts between the preload list format v1 and EFF STARTTLS Everywhere's v0.1 format.
///
/// Import (v0.1 → v1): the file is checked against EFF's v0.1 schema rules; aliases are kept as aliases and
/// alias references as references; `.suffix` MX entries become `*.suffix` (RFC 8461: exactly one label —
/// narrower than EFF's schema and Postfix, which matched any depth; each such entry is reported as
/// `list.conversion-inexact`); names are lowercased; times become UTC whole seconds; every entry gets
/// provenance `eff-import` with `added` = `verified` = the EFF timestamp; `author` becomes the publisher; the
/// serial is the EFF timestamp in epoch seconds (EFF's own rollback counter).
///
/// Export (v1 → v0.1), for legacy consumers: `generated` → `timestamp`, `publisher` → `author`, aliases →
/// `policy-aliases`, entries → `policies`; `*.x` becomes `.x` (which v0.1 consumers match at any depth:
/// reported as `list.conversion-inexact`); the serial and provenance have no place in v0.1 and are dropped.
public enum EFFListConverter {
    /// Imports a v0.1 file. `list` is `nil` when the file breaks a v0.1 rule or cannot be carried into v1.
    public static func importList(_ bytes: [UInt8]) -> ListDecoding {
        bytes.withUnsafeBufferPointer { buffer in
            var importer = EFFListImporter(borrowing: buffer)
            return importer.run()
        }
    }

    /// Renders `list` in the v0.1 format.
    public static func export(_ list: PreloadList) -> EFFExport {
        var issues: [Issue] = [
            Issue(.listConversionNormalized, subject: "$",
                "v0.1 has no serial or provenance: serial \(list.serial) and the entries' provenance are not exported")
        ]
        var w = JSONWriter(capacity: 256 + list.entries.count * 160)
        w.raw("{\n  \"timestamp\": ")
        w.timestamp(list.generated)
        w.raw(",\n  \"expires\": ")
        w.timestamp(list.expires)
        w.raw(",\n  \"version\": \"0.1\",\n  \"author\": ")
        w.string(list.publisher)
        w.raw(",\n  \"policy-aliases\": {")
        let names = list.aliases.keys.sorted(by: ListCodec.bytewiseLess)
        for (i, name) in names.enumerated() {
            w.raw(i == 0 ? "\n    " : ",\n    ")
            w.string(name)
            w.raw(": ")
            let alias = list.aliases[name]!
            writePolicy(&w, alias.mode, alias.mx, indent: 4, path: ListPath.key("$[\"policy-aliases\"]", name), &issues)
        }
        w.raw(names.isEmpty ? "},\n  \"policies\": {" : "\n  },\n  \"policies\": {")
        let entries = ListCodec.isStrictlySorted(list.entries)
            ? list.entries : list.entries.sorted { ListCodec.bytewiseLess($0.domain.value, $1.domain.value) }
        for (i, entry) in entries.enumerated() {
            w.raw(i == 0 ? "\n    " : ",\n    ")
            w.string(entry.domain.value)
            w.raw(": ")
            let path = ListPath.key("$.policies", entry.domain.value)
            if !fitsEFFSchema(entry.domain) {
                issues.append(Issue(.listConversionInexact, subject: path,
                    "EFF's v0.1 schema only accepts names whose last label is 2-63 letters and digits; consumers that "
                        + "validate against it will reject this entry"))
            }
            switch entry.policy {
            case .alias(let name):
                w.raw("{\n      \"policy-alias\": ")
                w.string(name)
                w.raw("\n    }")
            case .patterns(let mode, let mx):
                writePolicy(&w, mode, mx, indent: 4, path: path, &issues)
            }
        }
        w.raw(entries.isEmpty ? "}\n}\n" : "\n  }\n}\n")
        return EFFExport(bytes: w.bytes, issues: issues)
    }

    private static func writePolicy(_ w: inout JSONWriter, _ mode: ListMode, _ mx: [MXPattern], indent: Int,
                                    path: String, _ issues: inout [Issue])
    {
        w.byte(UInt8(ascii: "{"))
        w.newline(indent: indent + 2)
        w.raw("\"mode\": ")
        w.string(mode.rawValue)
        w.byte(UInt8(ascii: ","))
        w.newline(indent: indent + 2)
        w.raw("\"mxs\": [")
        var widened: [String] = []
        for (i, p) in ListCodec.canonicalPatterns(mx).enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.newline(indent: indent + 4)
            w.pattern(p, effSuffix: true)
            if p.isWildcard { widened.append("\(p) → .\(p.base)") }
        }
        w.newline(indent: indent + 2)
        w.byte(UInt8(ascii: "]"))
        w.newline(indent: indent)
        w.byte(UInt8(ascii: "}"))
        if !widened.isEmpty {
            issues.append(Issue(.listConversionInexact, subject: path + ".mxs",
                "RFC 8461 wildcards written as EFF suffixes, which v0.1 consumers (and Postfix) match at any depth: "
                    + widened.joined(separator: ", ")))
        }
    }

    /// EFF's schema pattern for policy keys: the last label is `[a-zA-Z0-9]{2,63}`.
    static func fitsEFFSchema(_ domain: DomainName) -> Bool {
        var count = 0
        for c in domain.value.utf8.reversed() {
            if c == UInt8(ascii: ".") { break }
            guard (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) else { return false }
            count += 1
        }
        return count >= 2
    }
}
