/// Why a name in a list file is not acceptable.
struct ListNameProblem: Error, Hashable, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The rules for names and strings inside a v1 list file, shared by the decoder, the validator and the
/// EFF converter.
enum ListNames {
    static let aliasNameRule =
        "alias names are 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen"

    /// A domain key exactly as the canonical form writes it: lowercase A-labels, no trailing dot.
    static func domain(_ text: String) -> Result<DomainName, ListNameProblem> {
        var text = text
        if text.withUTF8(isCanonicalDomain) { return .success(DomainName(uncheckedCanonical: text)) }
        let name: DomainName
        do { name = try DomainName(text) } catch {
            return .failure(ListNameProblem("\(quoted(text)) is not a valid domain name: \(error)"))
        }
        guard name.value == text else {
            return .failure(ListNameProblem("\(quoted(text)) must be written in lowercase without a trailing dot, as \(quoted(name.value))"))
        }
        return .success(name)
    }

    /// An MX pattern exactly as the canonical form writes it (RFC 8461 syntax, lowercase, no trailing dot).
    static func pattern(_ text: String) -> Result<MXPattern, ListNameProblem> {
        var text = text
        if let fast = text.withUTF8(canonicalPattern) { return .success(fast) }
        let pattern: MXPattern
        do { pattern = try MXPattern(text) } catch {
            let hint = text.hasPrefix(".")
                ? " (EFF's leading-dot suffix is not RFC 8461 syntax; write \"*\(text)\", which matches exactly one label)"
                : ""
            return .failure(ListNameProblem("\(quoted(text)) is not a valid MX pattern: \(error)\(hint)"))
        }
        guard pattern.description == text else {
            return .failure(ListNameProblem("\(quoted(text)) must be written in lowercase without a trailing dot, as \(quoted(pattern.description))"))
        }
        return .success(pattern)
    }

    // MARK: Byte-level fast paths

    /// `true` when `b` is a domain exactly as `DomainName` would normalise it (lowercase LDH labels of 1–63
    /// bytes not starting or ending with `-`, at least two labels, at most 253 bytes, last label not all
    /// digits). Equivalent to `DomainName(text).value == text` (a differential test checks it), without
    /// allocating.
    static func isCanonicalDomain(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        guard n >= 1 && n <= 253 else { return false }
        var labels = 0
        var start = 0
        var allDigits = true
        var i = 0
        while true {
            if i == n || b[i] == UInt8(ascii: ".") {
                let length = i - start
                guard length >= 1, length <= 63, b[start] != UInt8(ascii: "-"), b[i - 1] != UInt8(ascii: "-") else { return false }
                labels += 1
                if i == n { break }
                start = i + 1
                allDigits = true
            } else {
                let c = b[i]
                if (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "-") {
                    allDigits = false
                } else if c < 0x30 || c > 0x39 {
                    return false
                }
            }
            i += 1
        }
        return labels >= 2 && !allDigits
    }

    /// The pattern when `b` is a canonical MX pattern (`*.` and/or a canonical domain), else `nil`.
    static func canonicalPattern(_ b: UnsafeBufferPointer<UInt8>) -> MXPattern? {
        let wildcard = b.count >= 2 && b[0] == UInt8(ascii: "*") && b[1] == UInt8(ascii: ".")
        let rest = wildcard ? UnsafeBufferPointer(rebasing: b[2...]) : b
        guard isCanonicalDomain(rest) else { return nil }
        return MXPattern(uncheckedWildcard: wildcard, base: DomainName(uncheckedCanonical: String(decoding: rest, as: UTF8.self)))
    }

    /// Byte order of two buffers.
    static func less(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = min(x.count, y.count)
        var i = 0
        while i < n {
            if x[i] != y[i] { return x[i] < y[i] }
            i += 1
        }
        return x.count < y.count
    }

    /// `true` for 1–63 of `a-z 0-9 -`, not starting or ending with `-`.
    static func isAliasName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard (1...63).contains(b.count), b.first != UInt8(ascii: "-"), b.last != UInt8(ascii: "-") else { return false }
        return b.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// Why `s` cannot be a publisher (1–200 Unicode scalars, no control characters), or `nil`.
    static func publisherProblem(_ s: String) -> String? {
        let n = s.unicodeScalars.count
        if n == 0 { return "must not be empty" }
        if n > ListCodec.maxPublisherLength { return "must be at most \(ListCodec.maxPublisherLength) characters, found \(n)" }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// `s` as a JSON string literal, for messages (control characters stay visible).
    static func quoted(_ s: String) -> String {
        var w = JSONWriter()
        w.string(s.count > 300 ? String(s.prefix(300)) + "…" : s)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

extension DomainName {
    /// A name already checked by ``ListNames/isCanonicalDomain(_:)``.
    init(uncheckedCanonical value: String) { self.value = value }
}

extension MXPattern {
    /// A pattern already checked by ``ListNames/canonicalPattern(_:)``.
    init(uncheckedWildcard: Bool, base: DomainName) {
        self.isWildcard = uncheckedWildcard
        self.base = base
    }
}
