import PreloadCore

/// An OpenSSH allowed-signers file (`ssh-keygen(1)`, ALLOWED SIGNERS): which keys may sign, as whom, for
/// which namespaces and when. The list's trust anchor is such a file, `list/allowed_signers`, kept in the
/// list repository so that key rotation is a reviewed commit.
///
/// Lines read `PRINCIPALS [OPTIONS] ssh-ed25519 AAAA… [comment]`; `#` starts a comment line. Supported
/// options: `namespaces="a,b"` (patterns with `*`, `?` and `!` negation), `valid-after="…"` and
/// `valid-before="…"` (`YYYYMMDD[HHMM[SS]][Z]`); values must be quoted, as OpenSSH requires. Lines with `cert-authority` or a key type other than
/// `ssh-ed25519` are skipped (never trusted) and listed in ``skipped``; any other malformed line makes
/// the whole file invalid (fail closed).
///
/// - Warning: OpenSSH reads times without a `Z` suffix in the local time zone; this parser reads every
///   time as UTC. Write times with `Z` so that both agree.
public struct AllowedSigners: Hashable, Sendable {
    /// One usable line.
    public struct Entry: Hashable, Sendable {
        /// The principals (identities, patterns allowed) this key signs as.
        public var principals: [String]
        /// The key.
        public var key: SSHPublicKey
        /// Namespace patterns the key may sign for; `nil` means any namespace.
        public var namespaces: [String]?
        /// The key may not be used before this time.
        public var validAfter: Timestamp?
        /// The key may not be used after this time.
        public var validBefore: Timestamp?
        /// The 1-based line number in the file.
        public var line: Int

        /// An entry, e.g. for writing a new file.
        public init(principals: [String], key: SSHPublicKey, namespaces: [String]? = nil,
                    validAfter: Timestamp? = nil, validBefore: Timestamp? = nil, line: Int = 0) {
            self.principals = principals
            self.key = key
            self.namespaces = namespaces
            self.validAfter = validAfter
            self.validBefore = validBefore
            self.line = line
        }

        /// The line as written to a file (times with `Z`).
        public var fileLine: String {
            var options: [String] = []
            if let namespaces { options.append("namespaces=\"\(namespaces.joined(separator: ","))\"") }
            if let validAfter { options.append("valid-after=\"\(AllowedSigners.format(validAfter))\"") }
            if let validBefore { options.append("valid-before=\"\(AllowedSigners.format(validBefore))\"") }
            let opts = options.isEmpty ? "" : options.joined(separator: ",") + " "
            return "\(principals.joined(separator: ",")) \(opts)\(key.openSSHLine)"
        }
    }

    /// The answer to "may this key sign for this namespace at this time?".
    public enum Decision: Hashable, Sendable {
        /// Allowed, as these principals.
        case allowed(principals: [String])
        /// No line names this key.
        case unknownKey
        /// The key is listed, but not for this namespace.
        case namespaceNotAllowed
        /// The key is listed for this namespace but not valid yet (earliest `valid-after`).
        case notYetValid(validAfter: Timestamp)
        /// The key is listed for this namespace but no longer valid (latest `valid-before`).
        case expired(validBefore: Timestamp)
    }

    /// Usable lines, in file order.
    public var entries: [Entry]
    /// Lines skipped as unusable (line number, reason): certificate authorities, other key types.
    public var skipped: [(line: Int, reason: String)] {
        skippedLines.map { (line: $0.line, reason: $0.reason) }
    }
    private var skippedLines: [SkippedLine]

    private struct SkippedLine: Hashable, Sendable {
        var line: Int
        var reason: String
    }

    /// A file made of these entries.
    public init(entries: [Entry]) {
        self.entries = entries
        self.skippedLines = []
    }

    /// Parses the text of an allowed-signers file.
    public init(parsing text: String) throws(SigningError) {
        var entries: [Entry] = []
        var skipped: [SkippedLine] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let number = index + 1
            let line = rawLine.trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            switch try Self.parseLine(Array(line.utf8), number: number) {
            case .entry(let e): entries.append(e)
            case .skip(let reason): skipped.append(SkippedLine(line: number, reason: reason))
            }
        }
        self.entries = entries
        self.skippedLines = skipped
    }

    /// The file's text, one line per entry, with a final newline.
    public var text: String { entries.map(\.fileLine).joined(separator: "\n") + "\n" }

    /// Whether `key` may sign for `namespace` at `time`, and as whom.
    public func decision(for key: Ed25519PublicKey, namespace: String, at time: Timestamp) -> Decision {
        let forKey = entries.filter { $0.key.key == key }
        if forKey.isEmpty { return .unknownKey }
        let forNamespace = forKey.filter { e in e.namespaces.map { Self.matchPatternList(namespace, $0) } ?? true }
        if forNamespace.isEmpty { return .namespaceNotAllowed }
        let valid = forNamespace.filter { e in
            (e.validAfter.map { time >= $0 } ?? true) && (e.validBefore.map { time <= $0 } ?? true)
        }
        if !valid.isEmpty {
            var seen = Set<String>()
            return .allowed(principals: valid.flatMap(\.principals).filter { seen.insert($0).inserted })
        }
        if let after = forNamespace.compactMap(\.validAfter).filter({ time < $0 }).min() {
            return .notYetValid(validAfter: after)
        }
        return .expired(validBefore: forNamespace.compactMap(\.validBefore).max() ?? time)
    }

    /// Shorthand for ``decision(for:namespace:at:)`` being `.allowed`.
    public func allows(_ key: Ed25519PublicKey, namespace: String, at time: Timestamp) -> Bool {
        if case .allowed = decision(for: key, namespace: namespace, at: time) { return true }
        return false
    }

    // MARK: - Parsing

    private enum Parsed {
        case entry(Entry)
        case skip(String)
    }

    private static let keyTypePrefixes = ["ssh-", "ecdsa-", "sk-ssh-", "sk-ecdsa-", "rsa-sha2-"]

    private static func parseLine(_ b: [UInt8], number: Int) throws(SigningError) -> Parsed {
        func fail(_ why: String) -> SigningError { .allowedSignersInvalid(line: number, reason: why) }
        var i = 0
        func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }
        /// A field up to unquoted whitespace; quotes are kept for options, removed for principals.
        func field(stripQuotes: Bool) throws(SigningError) -> String {
            var out: [UInt8] = []
            var quoted = false
            while i < b.count {
                let c = b[i]
                if c == 0x22 {
                    quoted.toggle()
                    if !stripQuotes { out.append(c) }
                } else if !quoted, c == 0x20 || c == 0x09 {
                    break
                } else {
                    out.append(c)
                }
                i += 1
            }
            if quoted { throw fail("unterminated quote") }
            return String(decoding: out, as: UTF8.self)
        }

        let principalField = try field(stripQuotes: true)
        let principals = principalField.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !principals.isEmpty, !principals.contains(where: \.isEmpty) else { throw fail("empty principal") }
        skipSpace()
        var optionsField = ""
        let next = String(decoding: b[i...].prefix { $0 != 0x20 && $0 != 0x09 }, as: UTF8.self)
        if !keyTypePrefixes.contains(where: next.hasPrefix) {
            optionsField = try field(stripQuotes: false)
            skipSpace()
        }
        let keyText = String(decoding: b[i...], as: UTF8.self)
        guard !keyText.isEmpty else { throw fail("missing key") }

        var namespaces: [String]? = nil
        var validAfter: Timestamp? = nil
        var validBefore: Timestamp? = nil
        var certAuthority = false
        for option in try splitOptions(optionsField, fail) {
            let name = option.name.lowercased()
            switch name {
            case "cert-authority":
                guard option.value == nil else { throw fail("cert-authority takes no value") }
                certAuthority = true
            case "namespaces":
                guard let v = option.value, namespaces == nil else { throw fail("bad or repeated namespaces=") }
                namespaces = v.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            case "valid-after", "valid-before":
                guard let v = option.value, let t = parseTime(v) else { throw fail("bad \(name)= time") }
                if name == "valid-after" {
                    guard validAfter == nil else { throw fail("repeated valid-after=") }
                    validAfter = t
                } else {
                    guard validBefore == nil else { throw fail("repeated valid-before=") }
                    validBefore = t
                }
            default:
                throw fail("unsupported option '\(option.name)'")
            }
        }
        if certAuthority { return .skip("cert-authority lines are not supported; line ignored") }
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(openSSHLine: keyText)
        } catch SigningError.unsupportedKeyType(let type) where keyTypePrefixes.contains(where: type.hasPrefix) {
            return .skip("key type '\(type)' is not supported; line ignored")
        } catch {
            throw fail("\(error)")
        }
        return .entry(Entry(principals: principals, key: SSHPublicKey(key.key, comment: key.comment),
                            namespaces: namespaces, validAfter: validAfter, validBefore: validBefore, line: number))
    }

    private static func splitOptions(_ text: String, _ fail: (String) -> SigningError) throws(SigningError)
        -> [(name: String, value: String?)]
    {
        guard !text.isEmpty else { return [] }
        var result: [(name: String, value: String?)] = []
        var current: [UInt8] = []
        var quoted = false
        var pieces: [[UInt8]] = []
        for c in text.utf8 {
            if c == 0x22 { quoted.toggle() }
            if c == 0x2C, !quoted {
                pieces.append(current)
                current = []
            } else {
                current.append(c)
            }
        }
        pieces.append(current)
        for piece in pieces {
            guard !piece.isEmpty else { throw fail("empty option") }
            if let eq = piece.firstIndex(of: 0x3D) {
                let name = String(decoding: piece[..<eq], as: UTF8.self)
                var value = Array(piece[(eq + 1)...])
                // OpenSSH requires the quotes (`opt_dequote`); a line it would reject must not be trusted here.
                guard value.count >= 2, value.first == 0x22, value.last == 0x22 else {
                    throw fail("the value of \(String(decoding: piece[..<eq], as: UTF8.self))= must be in double quotes")
                }
                value = Array(value.dropFirst().dropLast())
                guard !value.contains(0x22) else { throw fail("stray quote in option value") }
                result.append((name: name, value: String(decoding: value, as: UTF8.self)))
            } else {
                result.append((name: String(decoding: piece, as: UTF8.self), value: nil))
            }
        }
        return result
    }

    /// `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`, read as UTC.
    static func parseTime(_ text: String) -> Timestamp? {
        var digits = Array(text.utf8)
        if digits.last == 0x5A || digits.last == 0x7A { digits.removeLast() }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let s = String(decoding: digits, as: UTF8.self)
        func part(_ from: Int, _ length: Int) -> String {
            let start = s.index(s.startIndex, offsetBy: from)
            return String(s[start..<s.index(start, offsetBy: length)])
        }
        let hh = digits.count >= 12 ? part(8, 2) : "00"
        let mm = digits.count >= 12 ? part(10, 2) : "00"
        let ss = digits.count == 14 ? part(12, 2) : "00"
        return Timestamp(rfc3339: "\(part(0, 4))-\(part(4, 2))-\(part(6, 2))T\(hh):\(mm):\(ss)Z", strictUTC: true)
    }

    static func format(_ time: Timestamp) -> String {
        String(time.rfc3339.filter { $0.isNumber }) + "Z"
    }

    /// OpenSSH `match_pattern_list`: comma-separated glob patterns, `!` negates; a negated match wins.
    static func matchPatternList(_ value: String, _ patterns: [String]) -> Bool {
        let text = Array(value.utf8)
        var matched = false
        for pattern in patterns {
            let negated = pattern.hasPrefix("!")
            if glob(text, Array((negated ? pattern.dropFirst() : pattern[...]).utf8)) {
                if negated { return false }
                matched = true
            }
        }
        return matched
    }

    /// Whether `s` matches the glob `p` (`*` any run of bytes, `?` one byte, case-sensitive, as OpenSSH's
    /// `match_pattern`). Backtracks only to the last `*` seen: a later `*` can absorb whatever an earlier one
    /// would have, so at most `s.count × p.count` steps — the recursive form is exponential in the number of
    /// stars (a `namespaces=` option with 24 stars took 43 s a verification).
    static func glob(_ s: [UInt8], _ p: [UInt8]) -> Bool {
        var i = 0  // in s
        var j = 0  // in p
        var star: Int? = nil  // the last `*` in p
        var resume = 0  // where in s that star's current match ends
        while i < s.count {
            if j < p.count, p[j] == 0x2A {  // *: match nothing first
                star = j
                j += 1
                resume = i
            } else if j < p.count, p[j] == 0x3F || p[j] == s[i] {  // ? or the same byte
                i += 1
                j += 1
            } else if let star {  // let the last star absorb one more byte
                j = star + 1
                resume += 1
                i = resume
            } else {
                return false
            }
        }
        while j < p.count, p[j] == 0x2A { j += 1 }
        return j == p.count
    }
}
