import Foundation

/// The request bodies the service reads from callers it cannot trust: the JSON bodies of API v1 and the
/// `application/x-www-form-urlencoded` bodies (and query strings) of the web pages. Pure, and free of
/// SwiftNIO, so that the fuzz harnesses (`service-json`, `service-form`) compile this file alone.
enum RequestBodies {
    /// `POST /api/v1/submissions`.
    struct Submission: Codable, Hashable {
        var domain: String
        var contact: String
        var mode: String?
        var mx: [String]?
    }

    /// `POST /api/v1/removals`.
    struct Domain: Codable, Hashable {
        var domain: String
    }

    /// `POST /api/v1/contacts`.
    struct Contact: Codable, Hashable {
        var contact: String
    }

    /// `POST /api/v1/contacts/confirm`.
    struct Code: Codable, Hashable {
        var token: String
    }

    /// A JSON body of `T`, or why it is not one (a sentence for a problem document, naming at most a member
    /// path of `T`, never echoing the body).
    /// A body that is not UTF-8 is refused (RFC 8259 §8.1), even where the bad bytes sit in a member this
    /// endpoint ignores: readers differ on such bytes. A member name given twice in one object is refused: JSON readers disagree on which one counts (ours
    /// took the first, others the last), and a body must mean one thing to every reader on its way.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) -> Result<T, JSONBodyError> {
        guard String(validating: body, as: UTF8.self) != nil else {
            return .failure(JSONBodyError(why: "not UTF-8"))
        }
        let value: T
        do {
            value = try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            return .failure(JSONBodyError(why: describe(error)))
        }
        if let why = strictProblem(body) { return .failure(JSONBodyError(why: why)) }
        return .success(value)
    }

    /// Why `json` is not strictly one JSON text (RFC 8259), or `nil`: the decoder lets pass some things
    /// JSON forbids where they sit in a member the endpoint ignores (unescaped control characters, unknown
    /// escapes), and JSON leaves a member name given twice ambiguous (readers keep the first or the last).
    /// A body must mean one thing to every reader on its way, so these are refused. Names are compared after
    /// unescaping, as Swift strings (canonically equivalent names are one name, as they are to the decoder).
    static func strictProblem(_ json: [UInt8]) -> String? {
        var reader = StrictJSON(bytes: json)
        do {
            reader.space()
            try reader.value(depth: 0)
            reader.space()
            guard reader.at == json.count else { throw StrictJSON.Refusal(why: "there is text after the JSON value") }
            return nil
        } catch let refusal as StrictJSON.Refusal {
            return refusal.why
        } catch {
            return "not valid JSON"
        }
    }

    /// A strict RFC 8259 reader that only checks (it builds nothing but the member names of each object).
    struct StrictJSON {
        struct Refusal: Error { var why: String }
        let bytes: [UInt8]
        var at = 0
        static let maxDepth = 64

        var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func space() {
            while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { at += 1 }
        }

        mutating func expect(_ b: UInt8) throws {
            guard peek == b else { throw Refusal(why: "not valid JSON") }
            at += 1
        }

        mutating func value(depth: Int) throws {
            guard depth < Self.maxDepth else { throw Refusal(why: "the JSON is nested more than \(Self.maxDepth) deep") }
            switch peek {
            case UInt8(ascii: "{"):
                at += 1
                space()
                var names: Set<String> = []
                if peek == UInt8(ascii: "}") { at += 1; return }
                while true {
                    let name = try string()
                    guard names.insert(name).inserted else {
                        throw Refusal(why: "the member '\(name.prefix(40))' appears twice in one object")
                    }
                    space()
                    try expect(UInt8(ascii: ":"))
                    space()
                    try value(depth: depth + 1)
                    space()
                    if peek == UInt8(ascii: ",") { at += 1; space(); continue }
                    try expect(UInt8(ascii: "}"))
                    return
                }
            case UInt8(ascii: "["):
                at += 1
                space()
                if peek == UInt8(ascii: "]") { at += 1; return }
                while true {
                    try value(depth: depth + 1)
                    space()
                    if peek == UInt8(ascii: ",") { at += 1; space(); continue }
                    try expect(UInt8(ascii: "]"))
                    return
                }
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try number()
            }
        }

        mutating func literal(_ word: String) throws {
            for b in word.utf8 { try expect(b) }
        }

        mutating func digits() throws {
            guard let b = peek, (0x30...0x39).contains(b) else { throw Refusal(why: "not valid JSON (a number)") }
            while let b = peek, (0x30...0x39).contains(b) { at += 1 }
        }

        /// A number, within the range of a double (RFC 7493 §2.2: readers differ beyond it).
        mutating func number() throws {
            let start = at
            try numberSyntax()
            guard let value = Double(String(decoding: bytes[start..<at], as: UTF8.self)), value.isFinite else {
                throw Refusal(why: "a number is beyond the range of a double")
            }
        }

        mutating func numberSyntax() throws {
            if peek == UInt8(ascii: "-") { at += 1 }
            if peek == UInt8(ascii: "0") { at += 1 } else { try digits() }
            if peek == UInt8(ascii: ".") { at += 1; try digits() }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                at += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
                try digits()
            }
        }

        /// The four hex digits at `index`, as a number.
        func hex4(_ index: Int) throws -> UInt32 {
            guard index + 4 <= bytes.count,
                  bytes[index..<(index + 4)].allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0
                      || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0 || UInt8(ascii: "A")...UInt8(ascii: "F") ~= $0 }),
                  let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                throw Refusal(why: "a string holds a broken \\u escape")
            }
            return code
        }

        /// A string; returns its text (unescaped).
        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            let start = at
            while true {
                guard let b = peek else { throw Refusal(why: "not valid JSON (an unterminated string)") }
                if b == UInt8(ascii: "\"") { break }
                if b < 0x20 { throw Refusal(why: "a string holds an unescaped control character") }
                if b == UInt8(ascii: "\\") {
                    at += 1
                    guard let e = peek else { throw Refusal(why: "not valid JSON (an unterminated string)") }
                    if e == UInt8(ascii: "u") {
                        // A surrogate must come as a pair (RFC 7493 §2.1): readers differ on a lone one.
                        let code = try hex4(at + 1)
                        at += 5
                        if (0xDC00...0xDFFF).contains(code) { throw Refusal(why: "a string holds a lone surrogate escape") }
                        if (0xD800...0xDBFF).contains(code) {
                            guard peek == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u"),
                                  (0xDC00...0xDFFF).contains(try hex4(at + 2)) else {
                                throw Refusal(why: "a string holds a lone surrogate escape")
                            }
                            at += 6
                        }
                        continue
                    }
                    guard "\"\\/bfnrt".utf8.contains(e) else { throw Refusal(why: "a string holds an unknown escape") }
                }
                at += 1
            }
            let text = RequestBodies.unescape(bytes[start..<at])
            at += 1
            return text
        }
    }

    /// The text of a JSON string's inside (escapes decoded; a lone surrogate becomes U+FFFD).
    static func unescape(_ raw: ArraySlice<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
            bytes = []
        }
        var pendingHigh: UInt32? = nil
        var i = raw.startIndex
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.endIndex else { return nil }
            return UInt32(String(decoding: raw[at..<(at + 4)], as: UTF8.self), radix: 16)
        }
        while i < raw.endIndex {
            let b = raw[i]
            guard b == UInt8(ascii: "\\"), i + 1 < raw.endIndex else {
                if pendingHigh != nil {
                    scalars.append(Unicode.Scalar(0xFFFD)!)
                    pendingHigh = nil
                }
                bytes.append(b)
                i += 1
                continue
            }
            let e = raw[i + 1]
            if e == UInt8(ascii: "u"), let code = hex4(i + 2) {
                flush()
                if (0xD800...0xDBFF).contains(code) {
                    if pendingHigh != nil { scalars.append(Unicode.Scalar(0xFFFD)!) }
                    pendingHigh = code
                } else if (0xDC00...0xDFFF).contains(code), let high = pendingHigh {
                    scalars.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))!)
                    pendingHigh = nil
                } else {
                    if pendingHigh != nil { scalars.append(Unicode.Scalar(0xFFFD)!); pendingHigh = nil }
                    scalars.append(Unicode.Scalar(code) ?? Unicode.Scalar(0xFFFD)!)
                }
                i += 6
                continue
            }
            if pendingHigh != nil {
                scalars.append(Unicode.Scalar(0xFFFD)!)
                pendingHigh = nil
            }
            switch e {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            default: bytes.append(e)  // \" \\ \/
            }
            i += 2
        }
        flush()
        if pendingHigh != nil { scalars.append(Unicode.Scalar(0xFFFD)!) }
        return String(scalars)
    }

    /// Why a body is not the JSON an endpoint takes.
    struct JSONBodyError: Error, Hashable {
        var why: String
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "the member '\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.dataCorrupted(let c):
            c.codingPath.isEmpty ? "not valid JSON" : "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' is invalid"
        default: "not valid JSON"
        }
    }

    /// Form fields (`a=1&b=x+y&c=%C3%A9`): pairs split at `&` and the first `=`, `+` read as a space, then
    /// `%HH` decoded; a value whose escapes are broken or decode to invalid UTF-8 is kept as given (with
    /// `+` as space). The first of repeated names wins. Split on bytes, not characters: `&` and `=` are
    /// separators even before a combining mark.
    static func formFields(_ body: some Collection<UInt8>) -> [String: String] {
        // Invalid UTF-8 becomes U+FFFD first; `&`, `=`, `+` and `%` are ASCII, never inside a sequence.
        let text = Array(String(decoding: Array(body), as: UTF8.self).utf8)
        var fields: [String: String] = [:]
        for pair in text.split(separator: UInt8(ascii: "&")) {
            let key: ArraySlice<UInt8>
            let value: ArraySlice<UInt8>?
            if let eq = pair.firstIndex(of: UInt8(ascii: "=")) {
                key = pair[..<eq]
                value = pair[(eq + 1)...]
            } else {
                key = pair
                value = nil
            }
            let name = formDecode(key)
            if fields[name] == nil { fields[name] = value.map(formDecode) ?? "" }
        }
        return fields
    }

    /// One form-encoded name or value (see ``formFields(_:)``).
    static func formDecode(_ bytes: ArraySlice<UInt8>) -> String {
        let spaced = bytes.map { $0 == UInt8(ascii: "+") ? 0x20 : $0 }
        var out: [UInt8] = []
        out.reserveCapacity(spaced.count)
        var i = 0
        while i < spaced.count {
            let b = spaced[i]
            guard b == UInt8(ascii: "%") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 2 < spaced.count, let high = hexValue(spaced[i + 1]), let low = hexValue(spaced[i + 2]) else {
                return String(decoding: spaced, as: UTF8.self)
            }
            out.append(high << 4 | low)
            i += 3
        }
        return String(validating: out, as: UTF8.self) ?? String(decoding: spaced, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
