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
