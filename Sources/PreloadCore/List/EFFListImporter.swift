/// Reads an EFF STARTTLS Everywhere v0.1 list (checking it against EFF's own v0.1 schema) and builds the
/// equivalent v1 list. See ``EFFListConverter/importList(_:)``.
struct EFFListImporter {
    private var r: JSONReader
    private var findings = ListReadFindings(prefix: "v0.1: ")

    /// A policy as read, before alias references are resolved.
    private enum RawPolicy {
        case patterns(ListMode, [MXPattern])
        case alias(String, path: String)
    }

    /// An importer over `bytes`, which must stay valid while it runs.
    init(borrowing bytes: UnsafeBufferPointer<UInt8>) { r = JSONReader(borrowing: bytes) }

    mutating func run() -> ListDecoding {
        do {
            guard let list = try importTop() else { return ListDecoding(list: nil, issues: findings.issues) }
            let semantic = ListValidator.validate(list).filter { $0.code != .listAliasUnused }
            findings.issues += semantic
            return ListDecoding(list: semantic.hasErrors ? nil : list, issues: findings.issues)
        } catch {
            findings.stopped(by: error, in: r, tooMany: "stopped")
        }
        return ListDecoding(list: nil, issues: findings.issues)
    }

    private mutating func error(_ path: @autoclosure () -> String, _ message: String) throws {
        try findings.error(path(), message)
    }

    private mutating func normalized(_ path: String, _ message: String) {
        findings.issues.append(Issue(.listConversionNormalized, subject: path, message))
    }

    private mutating func expect(_ kind: JSONKind, _ path: @autoclosure () -> String, _ what: String) throws -> Bool {
        try findings.expect(kind, in: &r, path(), what)
    }

    // MARK: Top level

    private mutating func importTop() throws -> PreloadList? {
        guard try expect(.object, "$", "an object") else { return nil }
        try r.beginObject()
        var timestamp: Timestamp?
        var expires: Timestamp?
        var author: String?
        var aliases: [String: AliasPolicy] = [:]
        var policies: [(DomainName, RawPolicy)] = []
        var seen: [String] = []
        var first = true
        while let key = try findings.nextNewKey(in: &r, &first, seen: &seen, { ListPath.member("$", $0) }) {
            let path = ListPath.member("$", key)
            switch key {
            case "timestamp": timestamp = try time(path)
            case "expires": expires = try time(path)
            case "version":
                guard try expect(.string, path, "the string \"0.1\"") else { continue }
                let v = try r.readString()
                if v != "0.1" { try error(path, "must be \"0.1\", found \(ListNames.quoted(v))") }
            case "author":
                guard try expect(.string, path, "a string") else { continue }
                author = try r.readString()
            case "policy-aliases": aliases = try importAliases(path)
            case "policies": policies = try importPolicies(path)
            default:
                try error(path, "unknown field (EFF's v0.1 schema allows no other fields)")
                try r.skipValue()
            }
        }
        try r.expectEnd()
        for required in ["timestamp", "expires", "version", "policies", "policy-aliases"] where !seen.contains(required) {
            try error("$", "missing required field \"\(required)\"")
        }
        var entries: [ListEntry] = []
        entries.reserveCapacity(policies.count)
        guard let timestamp, let expires else { return nil }
        let provenance = Provenance(method: .effImport, added: timestamp, verified: timestamp)
        for (domain, raw) in policies {
            switch raw {
            case .patterns(let mode, let mx):
                entries.append(ListEntry(domain: domain, policy: .patterns(mode: mode, mx: mx), provenance: provenance))
            case .alias(let name, let path):
                if aliases[name] == nil {
                    try error(path, "refers to the alias \(ListNames.quoted(name)), which is not in \"policy-aliases\"")
                }
                entries.append(ListEntry(domain: domain, policy: .alias(name), provenance: provenance))
            }
        }
        guard findings.errors == 0 else { return nil }
        entries.sort { ListCodec.bytewiseLess($0.domain.value, $1.domain.value) }
        return PreloadList(serial: max(1, UInt64(clamping: timestamp.secondsSince1970)), generated: timestamp,
            expires: expires, publisher: publisher(from: author), aliases: aliases, entries: entries)
    }

    private mutating func publisher(from author: String?) -> String {
        guard let author else {
            normalized("$.author", "the list has no author; the publisher is set to \"unknown\"")
            return "unknown"
        }
        guard ListNames.publisherProblem(author) != nil else { return author }
        var cleaned = String(String.UnicodeScalarView(author.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : $0
        }.prefix(ListCodec.maxPublisherLength)))
        if cleaned.isEmpty { cleaned = "unknown" }
        normalized("$.author", "the author was rewritten to fit a v1 publisher: \(ListNames.quoted(cleaned))")
        return cleaned
    }

    /// EFF times: epoch seconds, or RFC 3339 with any offset and fraction (also `±HHMM`, as EFF's own tool
    /// wrote them). Fractions are dropped; the result is UTC.
    private mutating func time(_ path: String) throws -> Timestamp? {
        switch try r.peekKind() {
        case .number:
            let n = try r.readNumber()
            guard let v = n.integer, v >= 0, Timestamp.representable.contains(v) else {
                try error(path, "must be a non-negative integer (epoch seconds, at most 9999-12-31T23:59:59Z) or an RFC 3339 string")
                return nil
            }
            let t = Timestamp(secondsSince1970: v)
            normalized(path, "epoch seconds \(v) written as \(t)")
            return t
        case .string:
            let text = try r.readString()
            var t = Timestamp(rfc3339: text)
            if t == nil, text.utf8.count >= 5 {
                // `-0700` → `-07:00`
                let b = Array(text.utf8)
                let tail = b.suffix(5)
                if tail.first == UInt8(ascii: "+") || tail.first == UInt8(ascii: "-"),
                    tail.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
                {
                    t = Timestamp(rfc3339: String(text.dropLast(2)) + ":" + String(text.suffix(2)))
                }
            }
            guard let t else {
                try error(path, "\(ListNames.quoted(text)) is not an RFC 3339 time")
                return nil
            }
            if t.rfc3339 != text { normalized(path, "\(ListNames.quoted(text)) written as \(t) (UTC, whole seconds)") }
            return t
        default:
            try error(path, "must be an RFC 3339 string or epoch seconds")
            try r.skipValue()
            return nil
        }
    }

    // MARK: Aliases and policies

    private mutating func importAliases(_ path: String) throws -> [String: AliasPolicy] {
        guard try expect(.object, path, "an object") else { return [:] }
        try r.beginObject()
        var out: [String: AliasPolicy] = [:]
        var first = true
        while let (raw, _) = try r.nextKey(&first) {
            let apath = ListPath.key(path, raw)
            let name = raw.lowercased()
            let policy = try policyObject(apath, allowAlias: false)
            guard ListNames.isAliasName(name) else {
                try error(apath, "the alias name cannot be carried into v1: " + ListNames.aliasNameRule)
                continue
            }
            if name != raw { normalized(apath, "alias name written as \(ListNames.quoted(name))") }
            if out[name] != nil {
                try error(apath, "duplicate alias \(ListNames.quoted(name))")
                continue
            }
            if case .patterns(let mode, let mx)? = policy { out[name] = AliasPolicy(mode: mode, mx: mx) }
        }
        return out
    }

    private mutating func importPolicies(_ path: String) throws -> [(DomainName, RawPolicy)] {
        guard try expect(.object, path, "an object") else { return [] }
        try r.beginObject()
        var out: [(DomainName, RawPolicy)] = []
        var seen = Set<String>()
        var first = true
        while let (raw, _) = try r.nextKey(&first) {
            let dpath = ListPath.key(path, raw)
            let policy = try policyObject(dpath, allowAlias: true)
            let domain: DomainName
            do { domain = try DomainName(raw) } catch let problem {
                try error(dpath, "\(ListNames.quoted(raw)) is not a valid domain name: \(problem)")
                continue
            }
            if domain.value != raw { normalized(dpath, "domain written as \(ListNames.quoted(domain.value))") }
            guard seen.insert(domain.value).inserted else {
                try error(dpath, "duplicate domain \(ListNames.quoted(domain.value))")
                continue
            }
            if let policy { out.append((domain, policy)) }
        }
        return out
    }

    /// `{"mode", "mxs"}` or (where allowed) `{"policy-alias"}`.
    private mutating func policyObject(_ path: String, allowAlias: Bool) throws -> RawPolicy? {
        guard try expect(.object, path, "an object") else { return nil }
        try r.beginObject()
        let errorsBefore = findings.errors
        var mode: ListMode?
        var mx: [MXPattern]?
        var alias: String?
        var seen: [String] = []
        var first = true
        while let key = try findings.nextNewKey(in: &r, &first, seen: &seen, { ListPath.member(path, $0) }) {
            let fpath = ListPath.member(path, key)
            switch key {
            case "mode":
                guard try expect(.string, fpath, "\"enforce\" or \"testing\"") else { continue }
                let text = try r.readString()
                mode = ListMode(rawValue: text)
                if mode == nil { try error(fpath, "must be \"enforce\" or \"testing\", found \(ListNames.quoted(text))") }
            case "mxs": mx = try patterns(fpath)
            case "policy-alias" where allowAlias:
                guard try expect(.string, fpath, "an alias name") else { continue }
                alias = try r.readString().lowercased()
            default:
                try error(fpath, "unknown field (EFF's v0.1 schema allows only \"mode\" and \"mxs\""
                    + (allowAlias ? ", or \"policy-alias\" alone)" : ")"))
                try r.skipValue()
            }
        }
        let hasAlias = seen.contains("policy-alias")
        if hasAlias && seen.count > 1 {
            try error(path, "\"policy-alias\" must be the only field of a policy")
        } else if !hasAlias {
            for required in ["mode", "mxs"] where !seen.contains(required) {
                try error(path, "missing required field \"\(required)\"")
            }
        }
        guard findings.errors == errorsBefore else { return nil }
        if let alias { return .alias(alias, path: ListPath.member(path, "policy-alias")) }
        guard let mode, let mx else { return nil }
        return .patterns(mode, mx)
    }

    /// `mxs`: names or leading-dot suffixes; suffixes become `*.` patterns (one label — see the README).
    private mutating func patterns(_ path: String) throws -> [MXPattern]? {
        guard try expect(.array, path, "an array") else { return nil }
        try r.beginArray()
        var out: [MXPattern] = []
        var texts: [String] = []
        var suffixes: [String] = []
        var rewritten: [String] = []
        var ok = true
        var first = true
        while try r.nextElement(&first) {
            let ipath = "\(path)[\(texts.count)]"
            guard try expect(.string, ipath, "a string") else {
                ok = false
                texts.append("")
                continue
            }
            let text = try r.readString()
            if texts.contains(text) {
                try error(ipath, "duplicate entry \(ListNames.quoted(text)) (EFF's schema requires unique items)")
                ok = false
            }
            texts.append(text)
            let isSuffix = text.hasPrefix(".")
            let v1Text = isSuffix ? "*" + text : text
            guard let pattern = try? MXPattern(v1Text) else {
                try error(ipath, "\(ListNames.quoted(text)) is not a host name or a leading-dot suffix")
                ok = false
                continue
            }
            if isSuffix { suffixes.append("\(text) → \(pattern)") }
            else if pattern.description != text { rewritten.append("\(text) → \(pattern)") }
            if !out.contains(pattern) { out.append(pattern) }
        }
        if texts.isEmpty {
            try error(path, "must list at least one entry")
            ok = false
        }
        guard ok else { return nil }
        if !suffixes.isEmpty {
            findings.issues.append(Issue(.listConversionInexact, subject: path,
                "EFF suffixes mapped to RFC 8461 wildcards, which match exactly one label where EFF's schema and "
                    + "Postfix matched any depth: " + suffixes.joined(separator: ", ")))
        }
        if !rewritten.isEmpty { normalized(path, "patterns written in lowercase: " + rewritten.joined(separator: ", ")) }
        return out.sorted { ListCodec.bytewiseLess($0.description, $1.description) }
    }
}
