// Signing: Ed25519 keys and OpenSSH SSH signatures (`PROTOCOL.sshsig`) with OpenSSL; the formats are pure Swift.
//
// Trust assumptions:
// - `SSHSignature.verify` proves only that the *embedded* key signed the message for the namespace. Who
//   may sign is decided separately, by `AllowedSigners.decision(for:namespace:at:)` or a pinned key —
//   `PreloadClient.ListVerifier` does both, and is the only way to a `VerifiedList`.
// - Namespaces separate purposes: `preload-list` for lists, `git` for commits. A signature is never
//   accepted for another namespace than the one it was made for.
// - The allowed-signers parser fails closed: an unparsable line invalidates the whole file; lines this
//   code cannot use (`cert-authority`, non-Ed25519 keys) are skipped, never trusted. Times are UTC.
// - Private keys are plain Swift arrays in memory (not zeroed on release) and PKCS#8 PEM files created
//   with mode 0600 and `O_EXCL`.

/// An SSH signature (OpenSSH `PROTOCOL.sshsig`) made with an Ed25519 key: what `ssh-keygen -Y sign`
/// writes and `ssh-keygen -Y verify` checks, and what git stores in an SSH-signed commit's `gpgsig`.
///
/// Signing and verifying hash the message with SHA-512 (verification also accepts `sha256`), and bind
/// the signature to a *namespace* (`preload-list` for lists, `git` for commits) so that a signature made
/// for one purpose is never accepted for another.
public struct SSHSignature: Hashable, Sendable {
    /// The signer's public key, as embedded in the signature.
    public let publicKey: Ed25519PublicKey
    /// The namespace the signature was made for.
    public let namespace: String
    /// The hash algorithm applied to the message: `sha512` (what we write) or `sha256`.
    public let hashAlgorithm: String
    /// The raw 64-byte Ed25519 signature.
    public let signature: [UInt8]

    static let magic = Array("SSHSIG".utf8)
    static let version: UInt32 = 1
    static let beginMarker = "-----BEGIN SSH SIGNATURE-----"
    static let endMarker = "-----END SSH SIGNATURE-----"
    /// Armoured signatures larger than this are refused unread.
    static let maximumArmoredSize = 16 * 1024

    /// Signs `message` for `namespace` with `key`, hashing it with SHA-512.
    public static func sign(_ message: [UInt8], namespace: String, with key: Ed25519PrivateKey)
        throws(SigningError) -> SSHSignature
    {
        guard !namespace.isEmpty else { throw .signatureMalformed("the namespace must not be empty") }
        let toSign = try signedData(message, namespace: namespace, hashAlgorithm: "sha512")
        let raw = try key.signature(for: toSign)
        return SSHSignature(publicKey: key.publicKey, namespace: namespace, hashAlgorithm: "sha512", signature: raw)
    }

    private init(publicKey: Ed25519PublicKey, namespace: String, hashAlgorithm: String, signature: [UInt8]) {
        self.publicKey = publicKey
        self.namespace = namespace
        self.hashAlgorithm = hashAlgorithm
        self.signature = signature
    }

    /// Checks that this signature was made by its embedded key over `message` for `namespace`.
    ///
    /// - Warning: this says nothing about whether the key is trusted: check ``publicKey`` against an
    ///   ``AllowedSigners`` file (or a pinned key) as well.
    public func verify(_ message: [UInt8], namespace expected: String) throws(SigningError) {
        guard namespace == expected else { throw .signatureNamespaceMismatch(expected: expected, found: namespace) }
        let toSign = try Self.signedData(message, namespace: namespace, hashAlgorithm: hashAlgorithm)
        guard publicKey.isValidSignature(signature, for: toSign) else { throw .signatureInvalid }
    }

    /// A digest stream of this signature's hash algorithm, for a message read in pieces: feed it the whole
    /// message, then pass ``DigestStream/finish()`` to ``verify(messageDigest:namespace:)``.
    public func messageDigest() throws(SigningError) -> DigestStream {
        switch hashAlgorithm {
        case "sha512": try .sha512()
        case "sha256": try .sha256()
        default: throw .signatureUnsupportedHash(hashAlgorithm)
        }
    }

    /// ``verify(_:namespace:)`` for a message whose digest (with ``hashAlgorithm``) was computed by the caller.
    ///
    /// - Warning: as for ``verify(_:namespace:)``, check ``publicKey`` against the trusted keys too.
    public func verify(messageDigest digest: [UInt8], namespace expected: String) throws(SigningError) {
        guard namespace == expected else { throw .signatureNamespaceMismatch(expected: expected, found: namespace) }
        let toSign = try Self.signedData(digest: digest, namespace: namespace, hashAlgorithm: hashAlgorithm)
        guard publicKey.isValidSignature(signature, for: toSign) else { throw .signatureInvalid }
    }

    /// The binary SSHSIG blob: `"SSHSIG"` · uint32 1 · string key blob · string namespace · string reserved ·
    /// string hash algorithm · string signature blob.
    public var blob: [UInt8] {
        var sig = SSHWireWriter()
        sig.string(SSHPublicKey.keyType)
        sig.string(signature)
        var w = SSHWireWriter()
        w.raw(Self.magic)
        w.uint32(Self.version)
        w.string(SSHPublicKey(publicKey).blob)
        w.string(namespace)
        w.string([UInt8]())
        w.string(hashAlgorithm)
        w.string(sig.bytes)
        return w.bytes
    }

    /// The armoured form: `-----BEGIN SSH SIGNATURE-----`, base64 in lines of 70, the end marker, and a
    /// final newline — byte-identical in layout to `ssh-keygen -Y sign`.
    public var armored: String {
        let text = Array(Base64.encode(blob).utf8)
        var lines = [Self.beginMarker]
        var i = 0
        while i < text.count {
            lines.append(String(decoding: text[i..<min(i + 70, text.count)], as: UTF8.self))
            i += 70
        }
        lines.append(Self.endMarker)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses an armoured signature (LF or CRLF line ends; text around the block is refused).
    public init(armored text: String) throws(SigningError) {
        guard text.utf8.count <= Self.maximumArmoredSize else {
            throw .signatureMalformed("larger than \(Self.maximumArmoredSize) bytes")
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { $0.trimmingASCIIWhitespace() }
        var body = lines[...]
        while body.last == "" { body.removeLast() }
        while body.first == "" { body.removeFirst() }
        guard body.first == Self.beginMarker else { throw .signatureMalformed("missing '\(Self.beginMarker)'") }
        guard body.last == Self.endMarker, body.count >= 2 else {
            throw .signatureMalformed("missing '\(Self.endMarker)'")
        }
        let base64 = body.dropFirst().dropLast().joined()
        guard let blob = Base64.decode(base64) else { throw .signatureMalformed("invalid base64") }
        try self.init(blob: blob)
    }

    /// Parses the binary SSHSIG blob.
    public init(blob: [UInt8]) throws(SigningError) {
        var r = SSHWireReader(blob)
        guard r.raw(6) == Self.magic else { throw .signatureMalformed("missing SSHSIG magic preamble") }
        guard let version = r.uint32() else { throw .signatureMalformed("truncated") }
        guard version == Self.version else { throw .signatureUnsupportedVersion(version) }
        guard let keyBlob = r.string(), let namespace = r.text(), r.string() != nil,
            let hash = r.text(), let sigBlob = r.string()
        else { throw .signatureMalformed("truncated or non-UTF-8 field") }
        guard r.isAtEnd else { throw .signatureMalformed("trailing bytes after the signature") }
        let key = try SSHPublicKey(blob: keyBlob).key
        guard hash == "sha512" || hash == "sha256" else { throw .signatureUnsupportedHash(hash) }
        var s = SSHWireReader(sigBlob)
        guard let sigType = s.text() else { throw .signatureMalformed("truncated signature blob") }
        guard sigType == SSHPublicKey.keyType else { throw .unsupportedKeyType(sigType) }
        guard let raw = s.string(), raw.count == 64, s.isAtEnd else {
            throw .signatureMalformed("an Ed25519 signature has 64 bytes")
        }
        self.init(publicKey: key, namespace: namespace, hashAlgorithm: hash, signature: raw)
    }

    /// What the key actually signs: `"SSHSIG"` · string namespace · string reserved · string hash algorithm ·
    /// string H(message).
    static func signedData(_ message: [UInt8], namespace: String, hashAlgorithm: String) throws(SigningError) -> [UInt8] {
        let digest: [UInt8]
        switch hashAlgorithm {
        case "sha512": digest = try Digest.sha512(message)
        case "sha256": digest = try Digest.sha256(message)
        default: throw .signatureUnsupportedHash(hashAlgorithm)
        }
        return try signedData(digest: digest, namespace: namespace, hashAlgorithm: hashAlgorithm)
    }

    /// ``signedData(_:namespace:hashAlgorithm:)`` from the message's digest.
    static func signedData(digest: [UInt8], namespace: String, hashAlgorithm: String) throws(SigningError) -> [UInt8] {
        let expected = hashAlgorithm == "sha512" ? 64 : hashAlgorithm == "sha256" ? 32 : 0
        guard expected > 0 else { throw .signatureUnsupportedHash(hashAlgorithm) }
        guard digest.count == expected else { throw .signatureMalformed("a \(hashAlgorithm) digest has \(expected) bytes") }
        var w = SSHWireWriter()
        w.raw(magic)
        w.string(namespace)
        w.string([UInt8]())
        w.string(hashAlgorithm)
        w.string(digest)
        return w.bytes
    }
}
