import PreloadTesting
import Testing

@testable import PreloadCore

/// The encoder (measured, then written in place in two halves at once for large lists) writes exactly the
/// bytes of a plain, independent rendering of the documented canonical form: string concatenation, one
/// entry after the other.
@Suite("List encoder vs a plain rendering")
struct ListEncoderDifferentialTests {
    typealias S = ListTestSupport

    /// JSON string escaping as documented: `"` and `\` escaped, the usual short escapes, other control
    /// characters as `\u00XX`, everything else as UTF-8.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u00" + (hex.count == 1 ? "0" : "") + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func policy(_ mode: ListMode, _ mx: [MXPattern]) -> String {
        var seen = Set<String>()
        let texts = mx.map(\.description).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.filter { seen.insert($0).inserted }
        return "\"mode\": \(quoted(mode.rawValue)), \"mx\": [" + texts.map(quoted).joined(separator: ", ") + "]"
    }

    static func time(_ t: Timestamp) -> String { quoted(t.rfc3339) }

    static func render(_ list: PreloadList) -> [UInt8] {
        func less(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
        var out = "{\n  \"format\": 1,\n  \"serial\": \(list.serial),\n  \"generated\": \(time(list.generated)),\n"
            + "  \"expires\": \(time(list.expires)),\n  \"publisher\": \(quoted(list.publisher))"
        if !list.aliases.isEmpty {
            out += ",\n  \"aliases\": {"
            out += list.aliases.keys.sorted(by: less).map { name in
                "\n    \(quoted(name)): {" + policy(list.aliases[name]!.mode, list.aliases[name]!.mx) + "}"
            }.joined(separator: ",")
            out += "\n  }"
        }
        out += ",\n  \"domains\": {"
        let entries = list.entries.sorted { less($0.domain.value, $1.domain.value) }
        out += entries.map { e in
            let p: String
            switch e.policy {
            case .patterns(let mode, let mx): p = policy(mode, mx)
            case .alias(let name): p = "\"alias\": \(quoted(name))"
            }
            return "\n    \(quoted(e.domain.value)): {\(p), \"provenance\": {\"method\": \(quoted(e.provenance.method.rawValue)), "
                + "\"added\": \(time(e.provenance.added)), \"verified\": \(time(e.provenance.verified))}}"
        }.joined(separator: ",")
        out += entries.isEmpty ? "}\n}\n" : "\n  }\n}\n"
        return Array(out.utf8)
    }

    @Test func smallListsWithAwkwardStrings() {
        var list = S.sampleList()
        #expect(ListCodec.encode(list) == Self.render(list))
        list.publisher = "Zürich \"q\" \\ \u{1}\u{1F}\t\n\r\u{08}\u{0C} \u{1F4E7}"
        list.entries.append(S.aliasEntry("z.example", "we\"ird\u{2}"))
        list.entries.reverse()
        list.entries[0].provenance.added = Timestamp(secondsSince1970: -62_200_000_000)  // before year 0: RFC 3339 fallback
        #expect(ListCodec.encode(list) == Self.render(list))
        list.entries = []
        list.aliases = [:]
        #expect(ListCodec.encode(list) == Self.render(list))
    }

    @Test func largeListsWrittenInTwoHalves() async throws {
        // Above the size at which the entries are measured and written on two threads. Long in a debug
        // build: on a thread of its own, not on the cooperative pool that other tests' servers need.
        let same = try await onThread {
            [19_999, 20_000, 20_001, 45_007].map { count -> (Int, Bool) in
                var list = S.syntheticList(count: count)
                if count == 45_007 { list.entries.shuffle() }
                return (count, ListCodec.encode(list) == Self.render(list))
            }
        }
        for (count, equal) in same { #expect(equal, "\(count) entries") }
    }
}
