/// The strict decoder behind ``ListCodec/decode(_:)``: reads the file field by field, reporting every
/// structural error with its JSON path (`list.invalid`, subject = path), then runs ``ListValidator`` on a
/// structurally valid list for the rules that span fields.
struct ListDecoderV1 {
    private var r: JSONReader
    private var issues: [Issue] = []
    private var errors = 0
    /// Decoding stops after this many errors.
    static let maxErrors = 100

    private struct TooManyErrors: Error {}

    init(_ reader: JSONReader) { r = reader }

    mutating func decode() -> ListDecoding {
        do {
            let list = try decodeTop()
            guard errors == 0, let list else { return ListDecoding(list: nil, issues: issues) }
            let semantic = ListValidator.validate(list)
            return ListDecoding(list: semantic.hasErrors ? nil : list, issues: issues + semantic)
        } catch let e as JSONSyntaxError {
            let (line, column) = r.lineColumn(e.offset)
            issues.append(Issue(.listInvalid, .error, subject: "line \(line), column \(column)",
                "the file is not valid JSON: \(e.message)"))
        } catch {
            issues.append(Issue(.listInvalid, .error, subject: "$",
                "more than \(Self.maxErrors) errors; decoding stopped"))
        }
        return ListDecoding(list: nil, issues: issues)
    }

    private mutating func error(_ path: @autoclosure () -> String, _ message: String) throws {
        errors += 1
        if errors > Self.maxErrors { throw TooManyErrors() }
        issues.append(Issue(.listInvalid, .error, subject: path(), message))
    }

    /// `true` when the next value has `kind`; otherwise reports it, skips it and returns `false`.
    private mutating func expect(_ kind: JSONKind, _ path: @autoclosure () -> String, _ what: String) throws -> Bool {
        let found = try r.peekKind()
        if found == kind { return true }
        try error(path(), "must be \(what), found \(found.article)")
        try r.skipValue()
        return false
    }

    // MARK: Top level

    private mutating func decodeTop() throws -> PreloadList? {
        guard try expect(.object, "$", "an object (a v1 list)") else {
            try r.expectEnd()
            return nil
        }
        try r.beginObject()
        var serial: UInt64?
        var generated: Timestamp?
        var expires: Timestamp?
        var publisher: String?
        var aliases: [String: AliasPolicy] = [:]
        var entries: [ListEntry] = []
        var seen: [String] = []
        var first = true
        r.checkpoint()
        while let (key, _) = try r.nextKey(&first) {
            defer { r.checkpoint() }
            if seen.contains(key) {
                try error(ListPath.member("$", key), "duplicate key")
                try r.skipValue()
                continue
            }
            seen.append(key)
            switch key {
            case "format":
                if let v = try integer("$.format"), v != 1 {
                    try error("$.format", "unsupported format version \(v); this decoder reads format 1")
                }
            case "serial":
                if let v = try integer("$.serial") {
                    if v >= 1 && UInt64(v) <= ListCodec.maxSerial { serial = UInt64(v) } else {
                        try error("$.serial", "must be between 1 and \(ListCodec.maxSerial), found \(v)")
                    }
                }
            case "generated": generated = try timestamp("$.generated")
            case "expires": expires = try timestamp("$.expires")
            case "publisher":
                guard try expect(.string, "$.publisher", "a string") else { continue }
                let text = try r.readString()
                if let problem = ListNames.publisherProblem(text) { try error("$.publisher", problem) } else {
                    publisher = text
                }
            case "aliases": aliases = try decodeAliases()
            case "domains": entries = try decodeDomains()
            default:
                try error(ListPath.member("$", key), "unknown field")
                try r.skipValue()
            }
        }
        try r.expectEnd()
        for required in ["format", "serial", "generated", "expires", "publisher", "domains"] where !seen.contains(required) {
            try error("$", "missing required field \"\(required)\"")
        }
        guard errors == 0, let serial, let generated, let expires, let publisher else { return nil }
        return PreloadList(serial: serial, generated: generated, expires: expires, publisher: publisher,
            aliases: aliases, entries: entries)
    }

    // MARK: Scalars

    private mutating func integer(_ path: @autoclosure () -> String) throws -> Int64? {
        guard try expect(.number, path(), "an integer") else { return nil }
        let n = try r.readNumber()
        if n.hasFractionOrExponent {
            try error(path(), "must be written as a plain integer (no fraction or exponent)")
            return nil
        }
        guard let v = n.integer else {
            try error(path(), "the integer is out of range")
            return nil
        }
        return v
    }

    private mutating func timestamp(_ path: @autoclosure () -> String) throws -> Timestamp? {
        guard try expect(.string, path(), "a UTC time (YYYY-MM-DDTHH:MM:SSZ)") else { return nil }
        let token = try r.readStringToken()
        if let t = r.withBytes(token, ListTime.parseCanonical) { return t }
        try error(path(), "\(ListNames.quoted(r.string(token))) is not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ "
            + "(RFC 3339 with 'Z', no fraction, a real date)")
        return nil
    }

    private mutating func mode(_ path: @autoclosure () -> String) throws -> ListMode? {
        guard try expect(.string, path(), "\"enforce\" or \"testing\"") else { return nil }
        let token = try r.readStringToken()
        if let m = Self.modes.first(where: { r.equals(token, $0.bytes) })?.mode { return m }
        try error(path(), "must be \"enforce\" or \"testing\", found \(ListNames.quoted(r.string(token)))")
        return nil
    }

    private mutating func patterns(_ path: @autoclosure () -> String) throws -> [MXPattern]? {
        guard try expect(.array, path(), "an array of MX patterns") else { return nil }
        try r.beginArray()
        var out: [MXPattern] = []
        var previous: MXPattern?
        var index = 0
        var ok = true
        var first = true
        while try r.nextElement(&first) {
            defer { index += 1 }
            guard try expect(.string, "\(path())[\(index)]", "an MX pattern (a string)") else {
                ok = false
                continue
            }
            let token = try r.readStringToken()
            // Canonical text (the usual case) becomes a pattern without an intermediate String; anything
            // else goes through `ListNames.pattern`, which says what is wrong.
            let parsed = r.withBytes(token, ListNames.canonicalPattern).map { Result<MXPattern, ListNameProblem>.success($0) }
                ?? ListNames.pattern(r.string(token))
            switch parsed {
            case .failure(let problem):
                try error("\(path())[\(index)]", problem.message)
                ok = false
            case .success(let pattern):
                // Pattern order is the byte order of the text (`ListCodec.patternLess`).
                if let p = previous, !ListCodec.patternLess(p, pattern) {
                    let text = pattern.description
                    try error("\(path())[\(index)]", p == pattern ? "duplicate MX pattern \(ListNames.quoted(text))"
                        : "MX patterns must be sorted: \(ListNames.quoted(text)) comes after \(ListNames.quoted(p.description))")
                    ok = false
                } else {
                    previous = pattern
                }
                out.append(pattern)
            }
        }
        if index == 0 {
            try error(path(), "must list at least one MX pattern")
            ok = false
        }
        return ok ? out : nil
    }

    // MARK: Objects

    private mutating func decodeAliases() throws -> [String: AliasPolicy] {
        guard try expect(.object, "$.aliases", "an object") else { return [:] }
        try r.beginObject()
        var out: [String: AliasPolicy] = [:]
        var previous: String?
        var first = true
        r.checkpoint()
        while let (name, _) = try r.nextKey(&first) {
            defer { r.checkpoint() }
            var ok = true
            if !ListNames.isAliasName(name) {
                try error(ListPath.alias(name), ListNames.aliasNameRule)
                ok = false
            }
            if let p = previous, !ListCodec.bytewiseLess(p, name) {
                try error(ListPath.alias(name), p == name ? "duplicate alias"
                    : "aliases must be sorted: \(ListNames.quoted(name)) comes after \(ListNames.quoted(p))")
                ok = false
            } else {
                previous = name
            }
            let decoded = try entry(ListPath.alias(name), aliasDefinition: true)
            if ok, case .patterns(let mode, let mx)? = decoded?.policy { out[name] = AliasPolicy(mode: mode, mx: mx) }
        }
        return out
    }

    private mutating func decodeDomains() throws -> [ListEntry] {
        guard try expect(.object, "$.domains", "an object") else { return [] }
        try r.beginObject()
        var out: [ListEntry] = []
        var previous: String?
        var first = true
        r.checkpoint()
        while let (name, _) = try r.nextKey(&first) {
            defer { r.checkpoint() }
            var domain: DomainName?
            switch ListNames.domain(name) {
            case .success(let d): domain = d
            case .failure(let problem): try error(ListPath.domain(name), problem.message)
            }
            if let p = previous, !ListCodec.bytewiseLess(p, name) {
                try error(ListPath.domain(name), p == name ? "duplicate domain"
                    : "domains must be sorted: \(ListNames.quoted(name)) comes after \(ListNames.quoted(p))")
                domain = nil
            } else {
                previous = name
            }
            let decoded = try entry(ListPath.domain(name), aliasDefinition: false)
            if let domain, let decoded, let provenance = decoded.provenance {
                out.append(ListEntry(domain: domain, policy: decoded.policy, provenance: provenance))
            }
        }
        return out
    }

    /// A domain entry (`mode`+`mx` or `alias`, and `provenance`) or an alias definition (`mode`+`mx`).
    private mutating func entry(_ path: @autoclosure () -> String, aliasDefinition: Bool) throws
        -> (policy: EntryPolicy, provenance: Provenance?)?
    {
        guard try expect(.object, path(), "an object") else { return nil }
        try r.beginObject()
        let errorsBefore = errors
        var mode: ListMode?
        var mx: [MXPattern]?
        var alias: String?
        var provenance: Provenance?
        var seen = Field.Set()
        var first = true
        while let token = try r.nextKeyToken(&first) {
            let field = r.withBytes(token, Field.init)
            switch field {
            case .mode?, .mx?: break
            case .alias?, .provenance?: if aliasDefinition { fallthrough }
            default:
                let key = r.string(token)
                try error(ListPath.member(path(), key), "unknown field")
                try r.skipValue()
                continue
            }
            guard let field, seen.insert(field) else {
                let key = r.string(token)
                try error(ListPath.member(path(), key), "duplicate key")
                try r.skipValue()
                continue
            }
            switch field {
            case .mode: mode = try self.mode(path() + ".mode")
            case .mx: mx = try patterns(path() + ".mx")
            case .alias:
                guard try expect(.string, path() + ".alias", "an alias name (a string)") else { continue }
                let name = try r.readString()
                if ListNames.isAliasName(name) { alias = name } else {
                    try error(path() + ".alias", ListNames.aliasNameRule)
                }
            case .provenance: provenance = try self.provenance(path() + ".provenance")
            default: break
            }
        }
        let hasAlias = seen.contains(.alias)
        if hasAlias && (seen.contains(.mode) || seen.contains(.mx)) {
            try error(path(), "an entry has either \"alias\" or \"mode\" and \"mx\", not both")
        }
        if !hasAlias {
            for required in [Field.mode, .mx] where !seen.contains(required) {
                try error(path(), "missing required field \"\(required)\"" + (aliasDefinition ? "" : " (or give \"alias\")"))
            }
        }
        if !aliasDefinition && !seen.contains(.provenance) { try error(path(), "missing required field \"provenance\"") }
        guard errors == errorsBefore else { return nil }
        if let alias { return (.alias(alias), provenance) }
        guard let mode, let mx else { return nil }
        return (.patterns(mode: mode, mx: mx), provenance)
    }

    private mutating func provenance(_ path: @autoclosure () -> String) throws -> Provenance? {
        guard try expect(.object, path(), "an object") else { return nil }
        try r.beginObject()
        var method: AdmissionMethod?
        var added: Timestamp?
        var verified: Timestamp?
        var seen = Field.Set()
        var first = true
        while let token = try r.nextKeyToken(&first) {
            let field = r.withBytes(token, Field.init)
            switch field {
            case .method?, .added?, .verified?: break
            default:
                let key = r.string(token)
                try error(ListPath.member(path(), key), "unknown field")
                try r.skipValue()
                continue
            }
            guard let field, seen.insert(field) else {
                let key = r.string(token)
                try error(ListPath.member(path(), key), "duplicate key")
                try r.skipValue()
                continue
            }
            switch field {
            case .method:
                guard try expect(.string, path() + ".method", "a string") else { continue }
                let token = try r.readStringToken()
                method = Self.methods.first { r.equals(token, $0.bytes) }?.method
                if method == nil {
                    try error(path() + ".method", "must be one of "
                        + AdmissionMethod.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                        + ", found \(ListNames.quoted(r.string(token)))")
                }
            case .added: added = try timestamp(path() + ".added")
            case .verified: verified = try timestamp(path() + ".verified")
            default: break
            }
        }
        for required in [Field.method, .added, .verified] where !seen.contains(required) {
            try error(path(), "missing required field \"\(required)\"")
        }
        guard let method, let added, let verified else { return nil }
        return Provenance(method: method, added: added, verified: verified)
    }

    private static let methods = AdmissionMethod.allCases.map { (method: $0, bytes: Array($0.rawValue.utf8)) }
    private static let modes = ListMode.allCases.map { (mode: $0, bytes: Array($0.rawValue.utf8)) }
}

/// The member names of entries, alias definitions and provenance, recognised from their bytes.
private enum Field: Int, CaseIterable, CustomStringConvertible {
    case mode, mx, alias, provenance, method, added, verified

    var description: String {
        switch self {
        case .mode: "mode"
        case .mx: "mx"
        case .alias: "alias"
        case .provenance: "provenance"
        case .method: "method"
        case .added: "added"
        case .verified: "verified"
        }
    }

    private static let names: [(Field, [UInt8])] = allCases.map { ($0, Array($0.description.utf8)) }

    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        for (field, name) in Self.names where name.count == bytes.count && name.elementsEqual(bytes) {
            self = field
            return
        }
        return nil
    }

    /// The fields seen in one object.
    struct Set {
        private var bits: UInt8 = 0
        /// Adds `field`; `false` when it was already there.
        mutating func insert(_ field: Field) -> Bool {
            let bit = UInt8(1) << UInt8(field.rawValue)
            defer { bits |= bit }
            return bits & bit == 0
        }
        func contains(_ field: Field) -> Bool { bits & (UInt8(1) << UInt8(field.rawValue)) != 0 }
    }
}
