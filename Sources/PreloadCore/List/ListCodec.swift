/// The list file formats `preload` reads.
public enum ListFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// The preload list format v1 (`policy-schema/README.md`).
    case v1 = "v1"
    /// EFF STARTTLS Everywhere's legacy format 0.1.
    case effV01 = "eff-v0.1"
}

/// The outcome of decoding a list file: the list when the file is valid, and every finding.
public struct ListDecoding: Sendable {
    /// The decoded list; `nil` when any finding is an error.
    public var list: PreloadList?
    /// Errors (`list.invalid`, subject = JSON path) and warnings, in file order.
    public var issues: [Issue]

    /// `true` when the file was accepted.
    public var isValid: Bool { list != nil }
}

/// A list file that does not decode: every error found (`list.invalid`, subject = JSON path).
public struct ListFormatError: Error, Sendable, CustomStringConvertible {
    /// The findings; at least one is an error.
    public var issues: [Issue]
    /// An error carrying `issues`.
    public init(issues: [Issue]) { self.issues = issues }
    /// One line per error: `path: message`.
    public var description: String {
        issues.filter { $0.severity == .error }.map { "\($0.subject ?? "$"): \($0.message)" }.joined(separator: "\n")
    }
}

/// Reads and writes the preload list format v1.
///
/// - The encoder is hand-written: fixed key order, two-space indentation, one alias and one domain per line,
///   sorted domains, aliases and patterns, UTF-8, LF, final newline. The same list always gives the same bytes
///   (the bytes are what gets signed).
/// - The decoder is strict: unknown fields, duplicate keys, wrong types, unsorted or duplicate domains,
///   aliases or patterns, non-canonical names and timestamps are all rejected, each with the JSON path of the
///   offending value. Decoding a canonical file and encoding the result gives the same bytes back.
/// Both are linear in the size of the list.
public enum ListCodec {
    /// Largest serial: 2^53 − 1, so that every JSON consumer reads it exactly.
    public static let maxSerial: UInt64 = 9_007_199_254_740_991
    /// Longest publisher, in Unicode scalars.
    public static let maxPublisherLength = 200

    // MARK: Decoding

    /// Decodes a v1 list file, collecting every finding (up to a cap).
    public static func decode(_ bytes: [UInt8]) -> ListDecoding {
        bytes.withUnsafeBufferPointer { buffer in
            var decoder = ListDecoderV1(JSONReader(borrowing: buffer))
            return decoder.decode()
        }
    }

    /// Decodes a v1 list read piece by piece, with the same findings as ``decode(_:)`` on the same bytes.
    /// `read` fills the buffer it is given with the next bytes of the file and returns how many it wrote,
    /// 0 at the end. Only a window of the input is held (from the start of the entry being decoded), never
    /// the whole file, so a caller that hashes what it hands out verifies and decodes a list in one pass.
    public static func decode(reading read: (UnsafeMutableRawBufferPointer) -> Int) -> ListDecoding {
        decode(reading: read, windowCapacity: 1 << 20)
    }

    /// ``decode(reading:)`` with the window starting at `windowCapacity` bytes (tests use tiny windows).
    static func decode(reading read: (UnsafeMutableRawBufferPointer) -> Int, windowCapacity: Int) -> ListDecoding {
        withoutActuallyEscaping(read) { source in
            var decoder = ListDecoderV1(JSONReader(streaming: source, capacity: windowCapacity))
            return decoder.decode()
        }
    }

    /// Decodes a v1 list file, throwing all errors when it is not valid.
    public static func decodeOrThrow(_ bytes: [UInt8]) throws(ListFormatError) -> PreloadList {
        let result = decode(bytes)
        guard let list = result.list else { throw ListFormatError(issues: result.issues) }
        return list
    }

    /// Which format a file is in, from its top-level keys (`format` → v1; `version`, `policies` or
    /// `policy-aliases` → EFF v0.1); `nil` when neither is recognisable.
    public static func detectFormat(_ bytes: [UInt8]) -> ListFormat? {
        bytes.withUnsafeBufferPointer { detectFormat(JSONReader(borrowing: $0)) }
    }

    private static func detectFormat(_ reader: JSONReader) -> ListFormat? {
        var r = reader
        do {
            guard try r.peekKind() == .object else { return nil }
            try r.beginObject()
            var first = true
            while let (key, _) = try r.nextKey(&first) {
                switch key {
                case "format": return .v1
                case "version", "policies", "policy-aliases": return .effV01
                default: try r.skipValue()
                }
            }
        } catch {
            return nil
        }
        return nil
    }

    /// `true` when `bytes` are exactly the canonical encoding of `list`.
    public static func isCanonical(_ bytes: [UInt8], of list: PreloadList) -> Bool {
        encode(list) == bytes
    }

    // MARK: Encoding

    /// The canonical bytes of `list`. Entries and patterns are sorted (and duplicate patterns dropped) here,
    /// so a list built in any order encodes the same; run ``ListValidator/validate(_:)`` first to catch what
    /// sorting cannot fix (duplicate domains, missing aliases, bad dates).
    public static func encode(_ list: PreloadList) -> [UInt8] {
        var w = JSONWriter(capacity: 4096)
        w.raw("{\n  \"format\": 1,\n  \"serial\": ")
        w.integer(list.serial)
        w.raw(",\n  \"generated\": ")
        w.timestamp(list.generated)
        w.raw(",\n  \"expires\": ")
        w.timestamp(list.expires)
        w.raw(",\n  \"publisher\": ")
        w.string(list.publisher)
        if !list.aliases.isEmpty {
            w.raw(",\n  \"aliases\": {")
            var first = true
            for name in list.aliases.keys.sorted(by: bytewiseLess) {
                w.raw(first ? "\n    " : ",\n    ")
                first = false
                w.string(name)
                w.raw(": {")
                writePatternPolicy(&w, list.aliases[name]!.mode, list.aliases[name]!.mx)
                w.raw("}")
            }
            w.raw("\n  }")
        }
        w.raw(",\n  \"domains\": {")
        let entries = isStrictlySorted(list.entries) ? list.entries : list.entries.sorted { bytewiseLess($0.domain.value, $1.domain.value) }
        let head = w.bytes
        let tail: StaticString = entries.isEmpty ? "}\n}\n" : "\n  }\n}\n"

        // The entries are measured, then written in place, each pass in two halves at once: the output is
        // allocated once, at its exact size, and nothing is copied after.
        let offsets = UnsafeMutableBufferPointer<Int>.allocate(capacity: entries.count + 1)
        defer { offsets.deallocate() }
        entries.withUnsafeBufferPointer { entries in
            Concurrently.halves(entries.count) { range in
                for i in range {
                    var counter = JSONCounter()
                    writeEntry(entries[i], first: i == 0, to: &counter)
                    offsets[i + 1] = counter.count
                }
            }
        }
        offsets[0] = 0
        for i in 0..<entries.count { offsets[i + 1] += offsets[i] }
        let total = head.count + offsets[entries.count] + tail.utf8CodeUnitCount
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let base = buffer.baseAddress!
            head.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: head.count) }
            let start = base + head.count
            entries.withUnsafeBufferPointer { entries in
                Concurrently.halves(entries.count) { range in
                    for i in range {
                        var placer = JSONPlacer(start + offsets[i])
                        writeEntry(entries[i], first: i == 0, to: &placer)
                    }
                }
            }
            var end = JSONPlacer(start + offsets[entries.count])
            end.raw(tail)
            initialized = total
        }
    }

    /// One domain entry as the canonical form writes it, with the separator before it.
    private static func writeEntry<Output: JSONOutput>(_ entry: ListEntry, first: Bool, to w: inout Output) {
        w.raw(first ? "\n    " : ",\n    ")
        w.string(entry.domain.value)
        w.raw(": {")
        switch entry.policy {
        case .patterns(let mode, let mx): writePatternPolicy(&w, mode, mx)
        case .alias(let name):
            w.raw("\"alias\": ")
            w.string(name)
        }
        w.raw(", \"provenance\": {\"method\": ")
        w.string(entry.provenance.method.rawValue)
        w.raw(", \"added\": ")
        w.timestamp(entry.provenance.added)
        w.raw(", \"verified\": ")
        w.timestamp(entry.provenance.verified)
        w.raw("}}")
    }

    private static func writePatternPolicy<Output: JSONOutput>(_ w: inout Output, _ mode: ListMode, _ mx: [MXPattern]) {
        w.raw("\"mode\": ")
        w.string(mode.rawValue)
        w.raw(", \"mx\": [")
        for (i, p) in canonicalPatterns(mx).enumerated() {
            if i > 0 { w.raw(", ") }
            w.pattern(p)
        }
        w.raw("]")
    }

    // MARK: Ordering

    /// `patterns` in canonical order (byte order of their text), duplicates removed.
    static func canonicalPatterns(_ patterns: [MXPattern]) -> [MXPattern] {
        var sorted = true
        for i in patterns.indices.dropFirst() where !patternLess(patterns[i - 1], patterns[i]) {
            sorted = false
            break
        }
        if sorted { return patterns }
        var out: [MXPattern] = []
        for p in patterns.sorted(by: patternLess) where out.last != p { out.append(p) }
        return out
    }

    /// Byte order of the patterns' text without building it: `*.` sorts before every LDH character, so
    /// wildcards come first, then each group by its base name.
    static func patternLess(_ a: MXPattern, _ b: MXPattern) -> Bool {
        if a.isWildcard != b.isWildcard { return a.isWildcard }
        return bytewiseLess(a.base.value, b.base.value)
    }

    /// Byte order of the UTF-8 forms: the one order of domains, aliases and patterns in a list file.
    static func bytewiseLess(_ a: String, _ b: String) -> Bool {
        // Native strings lend their bytes without a copy (and without the retain of a mutable copy).
        if let less = a.utf8.withContiguousStorageIfAvailable({ x in
            b.utf8.withContiguousStorageIfAvailable { y in ListNames.less(x, y) }
        }), let less {
            return less
        }
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in ListNames.less(x, y) } }
    }

    static func isStrictlySorted(_ entries: [ListEntry]) -> Bool {
        for i in entries.indices.dropFirst() where !bytewiseLess(entries[i - 1].domain.value, entries[i].domain.value) {
            return false
        }
        return true
    }
}

/// How findings name places in a list file: `$.serial`, `$.domains["eff.org"].mx[0]`.
enum ListPath {
    /// A field: `parent.name` when the name is identifier-like, else `parent["name"]`.
    static func member(_ parent: String, _ name: String) -> String {
        let b = Array(name.utf8)
        let identifier = !b.isEmpty && b.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A)
            || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F } && !(b[0] >= 0x30 && b[0] <= 0x39)
        return identifier ? parent + "." + name : key(parent, name)
    }
    /// A dynamic key (a domain, an alias name): always `parent["name"]`.
    static func key(_ parent: String, _ name: String) -> String {
        var w = JSONWriter()
        w.string(name)
        return parent + "[" + String(decoding: w.bytes, as: UTF8.self) + "]"
    }
    static func domain(_ name: String) -> String { key("$.domains", name) }
    static func alias(_ name: String) -> String { key("$.aliases", name) }
}
