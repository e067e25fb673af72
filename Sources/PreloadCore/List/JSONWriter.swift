/// Where JSON output goes: the list encoders decide every byte themselves (key order, spacing, line
/// breaks), so that the same content always gives the same bytes — whether the bytes are collected in an
/// array (``JSONWriter``), counted (``JSONCounter``) or written in place (``JSONPlacer``). The writing
/// functions are shared, so a count always matches what is written.
protocol JSONOutput {
    mutating func append(_ bytes: UnsafeRawBufferPointer)
    mutating func byte(_ c: UInt8)
}

/// Builds JSON output in a `[UInt8]` buffer.
struct JSONWriter: JSONOutput {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func append(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }
    mutating func byte(_ c: UInt8) { bytes.append(c) }
}

/// Counts the bytes that would be written.
struct JSONCounter: JSONOutput {
    private(set) var count = 0
    mutating func append(_ bytes: UnsafeRawBufferPointer) { count &+= bytes.count }
    mutating func byte(_ c: UInt8) { count &+= 1 }
}

/// Writes into memory the caller sized with a ``JSONCounter`` for the same content.
struct JSONPlacer: JSONOutput {
    private(set) var next: UnsafeMutablePointer<UInt8>
    init(_ start: UnsafeMutablePointer<UInt8>) { next = start }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        UnsafeMutableRawPointer(next).copyMemory(from: base, byteCount: bytes.count)
        next += bytes.count
    }

    mutating func byte(_ c: UInt8) {
        next.pointee = c
        next += 1
    }
}

extension JSONOutput {
    /// Appends raw ASCII text (structure, indentation, field names known to need no escaping).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    mutating func newline(indent: Int) {
        byte(0x0A)
        for _ in 0..<indent { byte(0x20) }
    }

    /// Appends a JSON string: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`,
    /// everything else (including non-ASCII) as raw UTF-8.
    mutating func string(_ s: String) {
        byte(UInt8(ascii: "\""))
        if let done = s.utf8.withContiguousStorageIfAvailable({ utf8 in appendEscaped(utf8) }) {
            _ = done
        } else {
            var s = s
            s.withUTF8 { appendEscaped($0) }
        }
        byte(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Fast path: nothing to escape (the usual case for names and times).
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            append(UnsafeRawBufferPointer(utf8))
            return
        }
        for c in utf8 {
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                byte(UInt8(ascii: "\\"))
                byte(c)
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0..<0x20:
                raw("\\u00")
                byte(jsonHexDigits[Int(c >> 4)])
                byte(jsonHexDigits[Int(c & 0xF)])
            default: byte(c)
            }
        }
    }

    /// Appends an MX pattern as a JSON string (its text never needs escaping).
    mutating func pattern(_ p: MXPattern, effSuffix: Bool = false) {
        byte(UInt8(ascii: "\""))
        if p.isWildcard { effSuffix ? raw(".") : raw("*.") }
        if p.base.value.utf8.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) == nil {
            var base = p.base.value
            base.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }
        byte(UInt8(ascii: "\""))
    }

    /// Appends an unsigned integer in decimal.
    mutating func integer(_ v: UInt64) {
        if v == 0 {
            byte(UInt8(ascii: "0"))
            return
        }
        var digits: [UInt8] = []
        var v = v
        while v > 0 {
            digits.append(UInt8(v % 10) + 0x30)
            v /= 10
        }
        for d in digits.reversed() { byte(d) }
    }

    /// Appends a timestamp as a JSON string in the canonical `YYYY-MM-DDTHH:MM:SSZ` form.
    mutating func timestamp(_ t: Timestamp) {
        byte(UInt8(ascii: "\""))
        ListTime.append(t, to: &self)
        byte(UInt8(ascii: "\""))
    }
}

private let jsonHexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Fast, byte-level handling of the canonical timestamp form used in list files.
enum ListTime {
    /// Appends `YYYY-MM-DDTHH:MM:SSZ` (years 0000–9999; other years fall back to ``Timestamp/rfc3339``).
    static func append<Output: JSONOutput>(_ t: Timestamp, to out: inout Output) {
        let s = t.secondsSince1970
        var days = s / 86400
        var secs = s % 86400
        if secs < 0 {
            secs += 86400
            days -= 1
        }
        let (y, m, d) = Timestamp.civilFromDays(Int(days))
        guard (0...9999).contains(y) else {
            Array(t.rfc3339.utf8).withUnsafeBytes { out.append($0) }
            return
        }
        var text: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                   UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0x2D, 0, 0, 0x2D, 0, 0, 0x54, 0, 0, 0x3A, 0, 0, 0x3A, 0, 0, 0x5A)  // ----T::Z
        withUnsafeMutableBytes(of: &text) { b in
            func two(_ at: Int, _ v: Int) {
                b[at] = UInt8(v / 10) + 0x30
                b[at + 1] = UInt8(v % 10) + 0x30
            }
            two(0, y / 100)
            two(2, y % 100)
            two(5, m)
            two(8, d)
            two(11, Int(secs / 3600))
            two(14, Int(secs / 60 % 60))
            two(17, Int(secs % 60))
            out.append(UnsafeRawBufferPointer(b))
        }
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
