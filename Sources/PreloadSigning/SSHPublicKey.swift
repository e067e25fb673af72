/// An Ed25519 public key in OpenSSH's formats: the wire blob (`string "ssh-ed25519" · string key`) and the
/// one-line text form `ssh-ed25519 AAAA… comment` of `.pub` files and allowed-signers files.
public struct SSHPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The only key type this project signs with.
    public static let keyType = "ssh-ed25519"

    /// The key itself.
    public let key: Ed25519PublicKey
    /// The free-text comment after the key (may be empty).
    public var comment: String

    /// A key with an optional comment.
    public init(_ key: Ed25519PublicKey, comment: String = "") {
        self.key = key
        self.comment = comment
    }

    /// The SSH wire blob: `string "ssh-ed25519" · string 32-byte key`.
    public var blob: [UInt8] {
        var w = SSHWireWriter()
        w.string(Self.keyType)
        w.string(key.rawRepresentation)
        return w.bytes
    }

    /// Parses a wire blob; only `ssh-ed25519` is accepted.
    public init(blob: [UInt8], comment: String = "") throws(SigningError) {
        var r = SSHWireReader(blob)
        guard let type = r.text() else { throw .publicKeyInvalid("truncated key blob") }
        guard type == Self.keyType else { throw .unsupportedKeyType(type) }
        guard let raw = r.string(), r.isAtEnd else { throw .publicKeyInvalid("malformed ssh-ed25519 key blob") }
        self.key = try Ed25519PublicKey(rawRepresentation: raw)
        self.comment = comment
    }

    /// `ssh-ed25519 AAAA… comment` (no trailing newline; no trailing space when the comment is empty).
    public var openSSHLine: String {
        let base = "\(Self.keyType) \(Base64.encode(blob))"
        return comment.isEmpty ? base : "\(base) \(comment)"
    }

    /// Parses `ssh-ed25519 AAAA… [comment]`, as in a `.pub` file (surrounding whitespace ignored).
    public init(openSSHLine line: String) throws(SigningError) {
        let trimmed = line.trimmingASCIIWhitespace()
        let fields = trimmed.split(maxSplits: 2, omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
        guard fields.count >= 2 else { throw .publicKeyInvalid("expected 'ssh-ed25519 AAAA… [comment]'") }
        guard fields[0] == Self.keyType else { throw .unsupportedKeyType(String(fields[0])) }
        guard let blob = Base64.decode(fields[1]) else { throw .publicKeyInvalid("key is not valid base64") }
        try self.init(blob: blob, comment: fields.count > 2 ? String(fields[2]) : "")
    }

    /// OpenSSH's fingerprint, `SHA256:` + unpadded base64 of SHA-256 over the blob (as `ssh-keygen -l`).
    public var fingerprint: String {
        guard let digest = try? Digest.sha256(blob) else { return "SHA256:?" }
        var text = Base64.encode(digest)
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }

    public var description: String { "\(Self.keyType) \(fingerprint)" }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
