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

/// A string read from the input: its raw byte range, and the unescaped bytes when it had escapes.
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

/// A strict, linear pull parser over UTF-8 JSON (RFC 8259) bytes.
///
/// Strings must be valid UTF-8 with valid escapes (no lone surrogates); only space, tab, LF and CR count as
/// whitespace; nesting is bounded. The list decoders drive it field by field, so that object key order and
/// duplicate keys are visible to them — which `JSONSerialization` hides.
struct JSONReader {
    let bytes: [UInt8]
    private(set) var pos = 0
    /// Deepest nesting `skipValue` follows.
    static let maxDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    // MARK: Positions

    /// 1-based line and column of a byte offset, for messages.
    func lineColumn(_ offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for i in 0..<min(offset, bytes.count) {
            if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? pos, message: message)
    }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            let c = bytes[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    /// The kind of the next value (after whitespace).
    mutating func peekKind() throws(JSONSyntaxError) -> JSONKind {
        skipWhitespace()
        guard pos < bytes.count else { throw fail("unexpected end of input; a value was expected") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw fail("unexpected \(describe(bytes[pos])); a value was expected")
        }
    }

    private func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard pos < bytes.count else { throw fail("unexpected end of input; \(what) was expected") }
        guard bytes[pos] == c else { throw fail("unexpected \(describe(bytes[pos])); \(what) was expected") }
        pos += 1
    }

    /// Checks that only whitespace follows the top-level value.
    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        if pos < bytes.count { throw fail("unexpected \(describe(bytes[pos])) after the end of the JSON value") }
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

    /// Like ``nextKey(_:)``, without building a `String`.
    mutating func nextKeyToken(_ first: inout Bool) throws(JSONSyntaxError) -> JSONString? {
        skipWhitespace()
        guard pos < bytes.count else { throw fail("unexpected end of input inside an object") }
        if bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return nil
        }
        if !first { try expect(UInt8(ascii: ","), "',' or '}'") }
        first = false
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
            throw fail(pos < bytes.count ? "an object key (a string) was expected" : "unexpected end of input inside an object")
        }
        let key = try readStringToken()
        try expect(UInt8(ascii: ":"), "':'")
        return key
    }

    /// `true` when the array has another element (its `,` consumed); `false` after the closing `]`.
    mutating func nextElement(_ first: inout Bool) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard pos < bytes.count else { throw fail("unexpected end of input inside an array") }
        if bytes[pos] == UInt8(ascii: "]") {
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
        let start = pos
        var nonASCII = false
        while true {
            guard pos < bytes.count else { throw fail("unterminated string", at: start - 1) }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16)) inside a string (escape it)") }
            if c >= 0x80 { nonASCII = true }
            pos += 1
        }
        let range = start..<pos
        pos += 1
        if nonASCII, String(validating: bytes[range], as: UTF8.self) == nil {
            throw fail("a string is not valid UTF-8", at: start)
        }
        return JSONString(raw: range, unescaped: nil)
    }

    private mutating func readEscapedString(from start: Int) throws(JSONSyntaxError) -> JSONString {
        var out = Array(bytes[start..<pos])
        while true {
            guard pos < bytes.count else { throw fail("unterminated string", at: start - 1) }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16)) inside a string (escape it)") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                pos += 1
                continue
            }
            guard pos + 1 < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[pos + 1]
            pos += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                    else { throw fail("a high surrogate escape is not followed by a low surrogate") }
                    pos += 2
                    let low = try readHex4()
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

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("a \\u escape needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
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

    /// The bytes of a string token.
    func slice(_ s: JSONString) -> ArraySlice<UInt8> {
        if let u = s.unescaped { return u[...] }
        return bytes[s.raw]
    }

    /// The string value of a token.
    func string(_ s: JSONString) -> String {
        String(decoding: slice(s), as: UTF8.self)
    }

    /// Reads a string value.
    mutating func readString() throws(JSONSyntaxError) -> String { string(try readStringToken()) }

    /// Reads a number token (RFC 8259 grammar).
    mutating func readNumber() throws(JSONSyntaxError) -> JSONNumber {
        skipWhitespace()
        let start = pos
        var negative = false
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { negative = true; pos += 1 }
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        guard digit(pos) else { throw fail("invalid number") }
        var magnitude: UInt64? = 0
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while digit(pos) {
                if let m = magnitude {
                    let (a, o1) = m.multipliedReportingOverflow(by: 10)
                    let (b, o2) = a.addingReportingOverflow(UInt64(bytes[pos] - 0x30))
                    magnitude = (o1 || o2) ? nil : b
                }
                pos += 1
            }
        }
        var fractionOrExponent = false
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard digit(pos) else { throw fail("invalid number: digits must follow '.'") }
            while digit(pos) { pos += 1 }
            fractionOrExponent = true
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard digit(pos) else { throw fail("invalid number: digits must follow the exponent") }
            while digit(pos) { pos += 1 }
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
        var ok = pos + n <= bytes.count
        if ok {
            word.withUTF8Buffer { w in
                for i in 0..<n where bytes[pos + i] != w[i] { ok = false }
            }
        }
        guard ok else { throw fail("invalid literal; expected '\(word)'") }
        pos += n
    }

    /// Reads `true` or `false`.
    mutating func readBool() throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "t") {
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
                    more = try nextKey(&first) != nil
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
