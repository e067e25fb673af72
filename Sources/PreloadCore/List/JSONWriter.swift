/// Builds JSON output byte by byte in a `[UInt8]` buffer: the list encoders decide every byte themselves
/// (key order, spacing, line breaks), so that the same content always gives the same bytes.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Appends raw ASCII text (structure, indentation, field names known to need no escaping).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func byte(_ c: UInt8) { bytes.append(c) }

    mutating func newline(indent: Int) {
        bytes.append(0x0A)
        for _ in 0..<indent { bytes.append(0x20) }
    }

    /// Appends a JSON string: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`,
    /// everything else (including non-ASCII) as raw UTF-8.
    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            // Fast path: nothing to escape (the usual case for names and times).
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: utf8)
                return
            }
            for c in utf8 {
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(c)
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0..<0x20:
                    raw("\\u00")
                    bytes.append(Self.hex[Int(c >> 4)])
                    bytes.append(Self.hex[Int(c & 0xF)])
                default: bytes.append(c)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends an MX pattern as a JSON string (its text never needs escaping).
    mutating func pattern(_ p: MXPattern, effSuffix: Bool = false) {
        bytes.append(UInt8(ascii: "\""))
        if p.isWildcard { effSuffix ? raw(".") : raw("*.") }
        var base = p.base.value
        base.withUTF8 { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends an unsigned integer in decimal.
    mutating func integer(_ v: UInt64) {
        if v == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var digits: [UInt8] = []
        var v = v
        while v > 0 {
            digits.append(UInt8(v % 10) + 0x30)
            v /= 10
        }
        bytes.append(contentsOf: digits.reversed())
    }

    /// Appends a timestamp as a JSON string in the canonical `YYYY-MM-DDTHH:MM:SSZ` form.
    mutating func timestamp(_ t: Timestamp) {
        bytes.append(UInt8(ascii: "\""))
        ListTime.append(t, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
}

/// Fast, byte-level handling of the canonical timestamp form used in list files.
enum ListTime {
    /// Appends `YYYY-MM-DDTHH:MM:SSZ` (years 0000–9999; other years fall back to ``Timestamp/rfc3339``).
    static func append(_ t: Timestamp, to out: inout [UInt8]) {
        let s = t.secondsSince1970
        var days = s / 86400
        var secs = s % 86400
        if secs < 0 {
            secs += 86400
            days -= 1
        }
        let (y, m, d) = Timestamp.civilFromDays(Int(days))
        guard (0...9999).contains(y) else {
            out.append(contentsOf: Array(t.rfc3339.utf8))
            return
        }
        func two(_ v: Int) {
            out.append(UInt8(v / 10) + 0x30)
            out.append(UInt8(v % 10) + 0x30)
        }
        two(y / 100)
        two(y % 100)
        out.append(UInt8(ascii: "-"))
        two(m)
        out.append(UInt8(ascii: "-"))
        two(d)
        out.append(UInt8(ascii: "T"))
        two(Int(secs / 3600))
        out.append(UInt8(ascii: ":"))
        two(Int(secs / 60 % 60))
        out.append(UInt8(ascii: ":"))
        two(Int(secs % 60))
        out.append(UInt8(ascii: "Z"))
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (a real calendar date, seconds 00–59), or `nil`.
    static func parseCanonical<C: RandomAccessCollection<UInt8>>(_ b: C) -> Timestamp? where C.Index == Int {
        guard b.count == 20 else { return nil }
        let o = b.startIndex
        func num(_ at: Int, _ n: Int) -> Int? {
            var v = 0
            for i in (o + at)..<(o + at + n) {
                let c = b[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), b[o + 4] == UInt8(ascii: "-"), let mo = num(5, 2), b[o + 7] == UInt8(ascii: "-"),
            let d = num(8, 2), b[o + 10] == UInt8(ascii: "T"), let h = num(11, 2), b[o + 13] == UInt8(ascii: ":"),
            let mi = num(14, 2), b[o + 16] == UInt8(ascii: ":"), let s = num(17, 2), b[o + 19] == UInt8(ascii: "Z"),
            (1...12).contains(mo), d >= 1, d <= Timestamp.daysIn(month: mo, year: y), h <= 23, mi <= 59, s <= 59
        else { return nil }
        let days = Int64(Timestamp.daysFromCivil(y, mo, d))
        return Timestamp(secondsSince1970: days * 86400 + Int64(h * 3600 + mi * 60 + s))
    }
}
