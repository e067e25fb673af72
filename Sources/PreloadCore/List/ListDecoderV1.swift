/// The strict decoder behind ``ListCodec/decode(_:)``: reads the file field by field, reporting every
/// structural error with its JSON path (`list.invalid`, subject = path), then runs ``ListValidator`` on a
/// structurally valid list for the rules that span fields.
struct ListDecoderV1 {
    private var r: JSONReader
    private var findings = ListReadFindings()
    /// Decoding stops after this many errors.
    static let maxErrors = ListReadFindings.maxErrors

    init(_ reader: JSONReader) { r = reader }

    mutating func decode() -> ListDecoding {
        do {
            let list = try decodeTop()
            guard findings.errors == 0, let list else { return ListDecoding(list: nil, issues: findings.issues) }
            let semantic = ListValidator.validate(list)
            return ListDecoding(list: semantic.hasErrors ? nil : list, issues: findings.issues + semantic)
        } catch {
            findings.stopped(by: error, in: r, tooMany: "decoding stopped")
        }
        return ListDecoding(list: nil, issues: findings.issues)
    }

    private mutating func error(_ path: @autoclosure () -> String, _ message: String) throws {
        try findings.error(path(), message)
    }

    /// `true` when the next value has `kind`; otherwise reports it, skips it and returns `false`.
    private mutating func expect(_ kind: JSONKind, _ path: @autoclosure () -> String, _ what: String) throws -> Bool {
        try findings.expect(kind, in: &r, path(), what)
    }

    /// The next key of an object at `path` if it is one of `allowed` and not yet in `seen` (then added);
    /// an unknown or repeated key is reported and its value skipped (`nil`).
    private mutating func admit(_ token: JSONString, allowed: Field.Set, seen: inout Field.Set, _ path: () -> String)
        throws -> Field?
    {
        let field = r.withBytes(token, Field.init)
        if let field, allowed.contains(field), seen.insert(field) { return field }
        let key = r.string(token)
        try error(ListPath.member(path(), key), field.map(allowed.contains) == true ? "duplicate key" : "unknown field")
        try r.skipValue()
        return nil
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
        while let key = try findings.nextNewKey(in: &r, &first, seen: &seen, { ListPath.member("$", $0) }) {
            defer { r.checkpoint() }
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
        guard findings.errors == 0, let serial, let generated, let expires, let publisher else { return nil }
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
            if try !inOrder(name, after: &previous, ListPath.alias(name), "alias", "aliases") { ok = false }
            let decoded = try entry(ListPath.alias(name), aliasDefinition: true)
            if ok, case .patterns(let mode, let mx)? = decoded?.policy { out[name] = AliasPolicy(mode: mode, mx: mx) }
        }
        return out
    }

    /// Whether the key `name` sorts after `previous` byte-wise (it then becomes `previous`); otherwise reports
    /// it at `path` as a duplicate `kind` or as out of order.
    private mutating func inOrder(_ name: String, after previous: inout String?, _ path: @autoclosure () -> String,
                                  _ kind: String, _ plural: String) throws -> Bool {
        if let p = previous, !ListCodec.bytewiseLess(p, name) {
            try error(path(), p == name ? "duplicate \(kind)"
                : "\(plural) must be sorted: \(ListNames.quoted(name)) comes after \(ListNames.quoted(p))")
            return false
        }
        previous = name
        return true
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
            if try !inOrder(name, after: &previous, ListPath.domain(name), "domain", "domains") { domain = nil }
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
        let errorsBefore = findings.errors
        var mode: ListMode?
        var mx: [MXPattern]?
        var alias: String?
        var provenance: Provenance?
        var seen = Field.Set()
        var first = true
        let allowed = aliasDefinition ? Field.Set.aliasDefinition : Field.Set.entry
        while let token = try r.nextKeyToken(&first) {
            guard let field = try admit(token, allowed: allowed, seen: &seen, path) else { continue }
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
        guard findings.errors == errorsBefore else { return nil }
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
            guard let field = try admit(token, allowed: .provenance, seen: &seen, path) else { continue }
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
        for (field, name) in Self.names where name.withUnsafeBufferPointer({ JSONReader.sameBytes(bytes, $0) }) {
            self = field
            return
        }
        return nil
    }

    /// The fields seen in one object.
    struct Set {
        private var bits: UInt8 = 0
        /// The fields of an alias definition, a domain entry, a provenance.
        static let aliasDefinition = Set(.mode, .mx)
        static let entry = Set(.mode, .mx, .alias, .provenance)
        static let provenance = Set(.method, .added, .verified)

        init() {}
        private init(_ fields: Field...) {
            for field in fields { bits |= UInt8(1) << UInt8(field.rawValue) }
        }
        /// Adds `field`; `false` when it was already there.
        mutating func insert(_ field: Field) -> Bool {
            let bit = UInt8(1) << UInt8(field.rawValue)
            defer { bits |= bit }
            return bits & bit == 0
        }
        func contains(_ field: Field) -> Bool { bits & (UInt8(1) << UInt8(field.rawValue)) != 0 }
    }
}
