/// A malformed JSON text: where (byte offset) and why. The list decoders turn it into one `list.invalid`
/// finding naming the line and column.
struct JSONSyntaxError: Error, Hashable, Sendable {
    var offset: Int
    var message: String
}

/// The kind of the next JSON value, from its first byte.
enum JSONKind: String, Sendable {
    case object, array, string, number, boolean, null

    /// How a finding names this kind ("an object", "a string").
    var article: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .boolean: "a boolean"
        case .null: "null"
        }
    }
}

/// A string read from the input: its raw byte range (offsets in the input), and the unescaped bytes when it
/// had escapes. The raw bytes stay readable (``JSONReader/withBytes(_:_:)``) until the reader moves past
/// its last checkpoint.
struct JSONString {
    var raw: Range<Int>
    var unescaped: [UInt8]?
}

/// A number read from the input, with its integer value when it is written as a plain integer that fits.
struct JSONNumber {
    var raw: Range<Int>
    /// The value when the token is `-?(0|[1-9][0-9]*)` without fraction or exponent and fits in `Int64`.
    var integer: Int64?
    /// `true` when the token has a fraction or an exponent.
    var hasFractionOrExponent: Bool
}

/// Fills the buffer it is given with the next bytes of a streamed input and returns how many it wrote;
/// 0 means the end of the input.
typealias JSONByteSource = (UnsafeMutableRawBufferPointer) -> Int

/// The window of a streamed input that a ``JSONReader`` holds: the bytes from its keep point (the last
/// checkpoint, or the start of the token being read) to what has been read so far.
final class JSONWindow {
    private(set) var storage: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Valid bytes at the start of `storage`.
    var count = 0
    let source: JSONByteSource
    var exhausted = false

    init(capacity: Int, source: @escaping JSONByteSource) {
        self.capacity = max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
        self.source = source
    }

    deinit { storage.deallocate() }

    /// Drops the first `n` bytes.
    func discard(_ n: Int) {
        guard n > 0 else { return }
        UnsafeMutableRawPointer(storage).copyMemory(from: storage + n, byteCount: count - n)  // may overlap
        count -= n
    }

    /// Makes room for more bytes when less than a quarter of the buffer is free.
    func makeRoom() {
        guard capacity - count < capacity / 4 else { return }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }

    /// Reads more bytes after the valid ones; `false` at the end of the input.
    func fill() -> Bool {
        guard !exhausted else { return false }
        let n = source(UnsafeMutableRawBufferPointer(start: storage + count, count: capacity - count))
        guard n > 0 else {
            exhausted = true
            return false
        }
        count += n
        return true
    }
}

/// A strict, linear pull parser over UTF-8 JSON (RFC 8259) bytes.
///
/// Strings must be valid UTF-8 with valid escapes (no lone surrogates); only space, tab, LF and CR count as
/// whitespace; nesting is bounded. The list decoders drive it field by field, so that object key order and
/// duplicate keys are visible to them — which `JSONSerialization` hides.
///
/// It reads either bytes the caller holds (``init(borrowing:)``, valid for the reader's whole life) or a
/// stream (``init(streaming:capacity:)``): then it holds only a window, from the last ``checkpoint()`` (or
/// the start of the current token) to the read position, so a decoder that checkpoints between entries
/// reads a file of any size in the memory of its largest entry. Offsets (``pos``, token ranges, error
/// offsets) count from the start of the input in both cases.
struct JSONReader {
    /// The byte at offset `base` of the input.
    private var p: UnsafePointer<UInt8>
    /// The input offset of `p[0]`.
    private var base = 0
    /// The input offset just past the bytes at hand.
    private var limit: Int
    /// The read position (an input offset).
    private(set) var pos = 0
    /// Bytes before this offset may be dropped (streams only).
    private var keepFrom = 0
    /// Line and column at `base` (bytes before it have been dropped).
    private var lineAtBase = 1
    private var columnAtBase = 1
    private let window: JSONWindow?
    /// Deepest nesting `skipValue` follows.
    static let maxDepth = 64

    /// A reader over `bytes`, which must stay valid while the reader is used.
    init(borrowing bytes: UnsafeBufferPointer<UInt8>) {
        p = bytes.baseAddress.map { UnsafePointer($0) } ?? UnsafePointer(Self.empty)
        limit = bytes.count
        window = nil
    }

    /// A reader over a stream, holding a window that starts at `capacity` bytes and grows as an entry
    /// between two checkpoints needs.
    init(streaming source: @escaping JSONByteSource, capacity: Int = 1 << 20) {
        let w = JSONWindow(capacity: capacity, source: source)
        window = w
        p = UnsafePointer(w.storage)
        limit = 0
    }

    /// What an empty borrowed buffer points to (never read: its count is 0).
    nonisolated(unsafe) private static let empty: UnsafeMutablePointer<UInt8> = .allocate(capacity: 1)

    @inline(__always) private func byte(_ offset: Int) -> UInt8 { p[offset &- base] }

    /// Marks the read position as the earliest offset the caller will still look at (tokens and errors):
    /// a streamed reader may drop the bytes before it.
    mutating func checkpoint() { keepFrom = pos }

    /// Gets more bytes of a stream, keeping those from `keep` on (and from the last checkpoint); `false`
    /// at the end of the input.
    private mutating func refill(keeping keep: Int) -> Bool {
        guard let window else { return false }
        let from = min(keep, keepFrom, pos)
        if from > base {
            advanceLineColumn(to: from)
            window.discard(from - base)
            base = from
        }
        window.makeRoom()
        let more = window.fill()
        p = UnsafePointer(window.storage)
        limit = base + window.count
        return more
    }

    /// `true` when the byte at ``pos`` is at hand (reading more of a stream if needed).
    @inline(__always) private mutating func more(keeping keep: Int) -> Bool {
        pos < limit || refill(keeping: keep)
    }

    /// `true` when `n` bytes from ``pos`` are at hand.
    private mutating func ensure(_ n: Int, keeping keep: Int) -> Bool {
        while limit - pos < n {
            if !refill(keeping: keep) { return false }
        }
        return true
    }

    // MARK: Positions

    /// Moves the line and column kept for `base` forward to offset `to` (the bytes before it are about to be
    /// dropped). Every byte of a streamed input passes here once, so lines are counted eight bytes at a time;
    /// only the bytes after the last line feed are looked at one by one, for the column.
    private mutating func advanceLineColumn(to: Int) {
        let n = to &- base
        guard n > 0 else { return }
        var lines = 0
        var i = 0
        while i &+ 8 <= n {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) ^ 0x0A0A_0A0A_0A0A_0A0A
            // High bit of each byte that is not zero (that was not a line feed), exactly.
            let nonZero = ((word & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | word
            lines &+= (~nonZero & 0x8080_8080_8080_8080).nonzeroBitCount
            i &+= 8
        }
        while i < n {
            if p[i] == 0x0A { lines &+= 1 }
            i &+= 1
        }
        var tail = n
        while tail > 0 && p[tail - 1] != 0x0A { tail -= 1 }
        let (_, column) = Self.count(p + tail, n - tail, line: 0, column: tail > 0 ? 1 : columnAtBase)
        lineAtBase &+= lines
        columnAtBase = column
    }

    private static func count(_ p: UnsafePointer<UInt8>, _ n: Int, line: Int, column: Int) -> (Int, Int) {
        var line = line
        var column = column
        for i in 0..<max(n, 0) {
            let b = p[i]
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    /// 1-based line and column of an input offset, for messages.
    func lineColumn(_ offset: Int) -> (line: Int, column: Int) {
        guard offset > base else { return (lineAtBase, columnAtBase) }
        return Self.count(p, min(offset, limit) - base, line: lineAtBase, column: columnAtBase)
    }

    func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? pos, message: message)
    }

    @inline(__always) mutating func skipWhitespace() {
        // Most calls find no whitespace at all: answer those without a call.
        if pos < limit {
            let c = byte(pos)
            if !(c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09) { return }
        }
        skipWhitespaceRun()
    }

    private mutating func skipWhitespaceRun() {
        repeat {
            // Scan the bytes at hand with a local index; go back to the stream only at their end.
            let n = limit &- base
            var i = pos &- base
            while i < n {
                let c = p[i]
                guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else {
                    pos = base &+ i
                    return
                }
                i &+= 1
            }
            pos = base &+ i
        } while refill(keeping: pos)
    }

    /// The kind of the next value (after whitespace).
    mutating func peekKind() throws(JSONSyntaxError) -> JSONKind {
        skipWhitespace()
        guard pos < limit else { throw fail("unexpected end of input; a value was expected") }
        switch byte(pos) {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw fail("unexpected \(describe(byte(pos))); a value was expected")
        }
    }

    private func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard pos < limit else { throw fail("unexpected end of input; \(what) was expected") }
        guard byte(pos) == c else { throw fail("unexpected \(describe(byte(pos))); \(what) was expected") }
        pos += 1
    }

    /// Checks that only whitespace follows the top-level value.
    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        if pos < limit { throw fail("unexpected \(describe(byte(pos))) after the end of the JSON value") }
    }

    // MARK: Containers

    /// Consumes `{`.
    mutating func beginObject() throws(JSONSyntaxError) { try expect(UInt8(ascii: "{"), "'{'") }
    /// Consumes `[`.
    mutating func beginArray() throws(JSONSyntaxError) { try expect(UInt8(ascii: "["), "'['") }

    /// The next member's key with its `:` consumed, or `nil` after the closing `}`. `first` tracks commas.
    mutating func nextKey(_ first: inout Bool) throws(JSONSyntaxError) -> (key: String, offset: Int)? {
        let offset = pos
        guard let token = try nextKeyToken(&first) else { return nil }
        return (string(token), offset)
    }

    /// Like ``nextKey(_:)``, without building a `String`. The token's bytes stay readable until the next
    /// checkpoint.
    mutating func nextKeyToken(_ first: inout Bool) throws(JSONSyntaxError) -> JSONString? {
        skipWhitespace()
        guard pos < limit else { throw fail("unexpected end of input inside an object") }
        if byte(pos) == UInt8(ascii: "}") {
            pos += 1
            return nil
        }
        if !first { try expect(UInt8(ascii: ","), "',' or '}'") }
        first = false
        skipWhitespace()
        guard pos < limit, byte(pos) == UInt8(ascii: "\"") else {
            throw fail(pos < limit ? "an object key (a string) was expected" : "unexpected end of input inside an object")
        }
        let key = try readStringToken()
        let saved = keepFrom
        keepFrom = min(keepFrom, key.raw.lowerBound)
        defer { keepFrom = saved }
        try expect(UInt8(ascii: ":"), "':'")
        return key
    }

    /// `true` when the array has another element (its `,` consumed); `false` after the closing `]`.
    mutating func nextElement(_ first: inout Bool) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard pos < limit else { throw fail("unexpected end of input inside an array") }
        if byte(pos) == UInt8(ascii: "]") {
            pos += 1
            return false
        }
        if !first { try expect(UInt8(ascii: ","), "',' or ']'") }
        first = false
        return true
    }

    // MARK: Scalars

    /// Reads a string token without building a `String`.
    mutating func readStringToken() throws(JSONSyntaxError) -> JSONString {
        try expect(UInt8(ascii: "\""), "a string")
        let quote = pos - 1
        let start = pos
        var seen: UInt8 = 0  // every byte or-ed: bit 7 tells a non-ASCII string
        while true {
            // Scan the bytes at hand with a local index for the closing quote, an escape or a control byte.
            let n = limit &- base
            var i = pos &- base
            while i < n {
                let c = p[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                seen |= c
                i &+= 1
            }
            pos = base &+ i
            if i < n { break }
            guard refill(keeping: quote) else { throw fail("unterminated string", at: start - 1) }
        }
        let c = byte(pos)
        if c == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
        if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16)) inside a string (escape it)") }
        let nonASCII = seen & 0x80 != 0
        let range = start..<pos
        pos += 1
        if nonASCII, String(validating: UnsafeBufferPointer(start: p + (start - base), count: range.count), as: UTF8.self) == nil {
            throw fail("a string is not valid UTF-8", at: start)
        }
        return JSONString(raw: range, unescaped: nil)
    }

    private mutating func readEscapedString(from start: Int) throws(JSONSyntaxError) -> JSONString {
        let quote = start - 1
        var out = Array(UnsafeBufferPointer(start: p + (start - base), count: pos - start))
        while true {
            guard more(keeping: quote) else { throw fail("unterminated string", at: start - 1) }
            let c = byte(pos)
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16)) inside a string (escape it)") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                pos += 1
                continue
            }
            guard ensure(2, keeping: quote) else { throw fail("unterminated escape") }
            let e = byte(pos + 1)
            pos += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4(keeping: quote)
                if (0xD800..<0xDC00).contains(scalar) {
                    guard ensure(2, keeping: quote), byte(pos) == UInt8(ascii: "\\"), byte(pos + 1) == UInt8(ascii: "u")
                    else { throw fail("a high surrogate escape is not followed by a low surrogate") }
                    pos += 2
                    let low = try readHex4(keeping: quote)
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("a lone low surrogate escape")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: pos - 2)
            }
        }
        pos += 1
        if String(validating: out, as: UTF8.self) == nil { throw fail("a string is not valid UTF-8", at: start) }
        return JSONString(raw: start..<(pos - 1), unescaped: out)
    }

    private mutating func readHex4(keeping keep: Int) throws(JSONSyntaxError) -> UInt32 {
        guard ensure(4, keeping: keep) else { throw fail("a \\u escape needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = byte(pos)
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - 0x41 + 10
            default: throw fail("a \\u escape needs four hex digits")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    /// Calls `body` with the bytes of a string token (unescaped).
    @inline(__always)
    func withBytes<R>(_ s: JSONString, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let u = s.unescaped { return try u.withUnsafeBufferPointer(body) }
        return try body(UnsafeBufferPointer(start: p + (s.raw.lowerBound - base), count: s.raw.count))
    }

    /// `true` when a string token's value is exactly `bytes`.
    func equals(_ s: JSONString, _ bytes: [UInt8]) -> Bool {
        withBytes(s) { b in bytes.withUnsafeBufferPointer { Self.sameBytes(b, $0) } }
    }

    /// `true` when `a` and `b` hold the same bytes: a plain loop, which the list decoder's member and enum
    /// names (a few bytes each, compared once per entry) need instead of a generic `elementsEqual`.
    @inline(__always)
    static func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// The string value of a token.
    func string(_ s: JSONString) -> String {
        withBytes(s) { String(decoding: $0, as: UTF8.self) }
    }

    /// Reads a string value.
    mutating func readString() throws(JSONSyntaxError) -> String {
        // Not `string(try readStringToken())`: the receiver would be read before the call moves the window.
        let token = try readStringToken()
        return string(token)
    }

    /// Reads a number token (RFC 8259 grammar).
    mutating func readNumber() throws(JSONSyntaxError) -> JSONNumber {
        skipWhitespace()
        let start = pos
        var negative = false
        if more(keeping: start), byte(pos) == UInt8(ascii: "-") { negative = true; pos += 1 }
        func digit(_ r: inout JSONReader) -> Bool {
            r.more(keeping: start) && r.byte(r.pos) >= 0x30 && r.byte(r.pos) <= 0x39
        }
        guard digit(&self) else { throw fail("invalid number") }
        var magnitude: UInt64? = 0
        if byte(pos) == UInt8(ascii: "0") {
            pos += 1
        } else {
            while digit(&self) {
                if let m = magnitude {
                    let (a, o1) = m.multipliedReportingOverflow(by: 10)
                    let (b, o2) = a.addingReportingOverflow(UInt64(byte(pos) - 0x30))
                    magnitude = (o1 || o2) ? nil : b
                }
                pos += 1
            }
        }
        var fractionOrExponent = false
        if more(keeping: start), byte(pos) == UInt8(ascii: ".") {
            pos += 1
            guard digit(&self) else { throw fail("invalid number: digits must follow '.'") }
            while digit(&self) { pos += 1 }
            fractionOrExponent = true
        }
        if more(keeping: start), byte(pos) == UInt8(ascii: "e") || byte(pos) == UInt8(ascii: "E") {
            pos += 1
            if more(keeping: start), byte(pos) == UInt8(ascii: "+") || byte(pos) == UInt8(ascii: "-") { pos += 1 }
            guard digit(&self) else { throw fail("invalid number: digits must follow the exponent") }
            while digit(&self) { pos += 1 }
            fractionOrExponent = true
        }
        var integer: Int64?
        if !fractionOrExponent, let m = magnitude {
            if negative { integer = m <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- m) : nil }
            else { integer = m <= UInt64(Int64.max) ? Int64(m) : nil }
        }
        return JSONNumber(raw: start..<pos, integer: integer, hasFractionOrExponent: fractionOrExponent)
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        var ok = ensure(n, keeping: pos)
        if ok {
            word.withUTF8Buffer { w in
                for i in 0..<n where byte(pos + i) != w[i] { ok = false }
            }
        }
        guard ok else { throw fail("invalid literal; expected '\(word)'") }
        pos += n
    }

    /// Reads `true` or `false`.
    mutating func readBool() throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if pos < limit, byte(pos) == UInt8(ascii: "t") {
            try literal("true")
            return true
        }
        try literal("false")
        return false
    }

    /// Skips one value of any kind, checking its syntax, nesting at most ``maxDepth`` deep.
    mutating func skipValue() throws(JSONSyntaxError) {
        var stack: [Bool] = []  // true: object, false: array
        var firsts: [Bool] = []
        repeat {
            // Read one value, or open a container.
            switch try peekKind() {
            case .object:
                pos += 1
                stack.append(true)
                firsts.append(true)
            case .array:
                pos += 1
                stack.append(false)
                firsts.append(true)
            case .string: _ = try readStringToken()
            case .number: _ = try readNumber()
            case .boolean: _ = try readBool()
            case .null: try literal("null")
            }
            if stack.count > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth) levels") }
            // Close finished containers until one wants another value.
            while let isObject = stack.last {
                var first = firsts[firsts.count - 1]
                let more: Bool
                if isObject {
                    more = try nextKeyToken(&first) != nil
                } else {
                    more = try nextElement(&first)
                }
                firsts[firsts.count - 1] = first
                if more { break }
                stack.removeLast()
                firsts.removeLast()
            }
        } while !stack.isEmpty
    }
}
