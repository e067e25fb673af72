import COpenSSL
import PreloadOpenSSL

/// An Ed25519 public key: 32 bytes.
public struct Ed25519PublicKey: Hashable, Sendable {
    /// The raw 32-byte key.
    public let rawRepresentation: [UInt8]

    /// A key from its raw 32 bytes.
    public init(rawRepresentation: [UInt8]) throws(SigningError) {
        guard rawRepresentation.count == 32 else {
            throw .publicKeyInvalid("an Ed25519 public key has 32 bytes, not \(rawRepresentation.count)")
        }
        self.rawRepresentation = rawRepresentation
    }

    /// Whether `signature` is this key's Ed25519 signature over `message`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        OpenSSLError.clearQueue()
        guard let pkey = rawRepresentation.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(preload_EVP_PKEY_ED25519(), nil, $0.baseAddress, $0.count)
        }) else {
            OpenSSLError.clearQueue()
            return false
        }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else {
            OpenSSLError.clearQueue()
            return false
        }
        let ok = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        OpenSSLError.clearQueue()
        return ok == 1
    }
}

/// An Ed25519 private key: the 32-byte seed and its public half.
///
/// - Warning: this value holds secret key material in ordinary Swift memory; it is not zeroed when
///   released. Keep it no longer than an operation needs, and never print it (`description` is redacted).
public struct Ed25519PrivateKey: Sendable, CustomStringConvertible {
    /// The raw 32-byte private key (seed).
    public let rawRepresentation: [UInt8]
    /// The public half.
    public let publicKey: Ed25519PublicKey

    /// A key from its 32-byte seed; the public half is derived.
    public init(rawRepresentation seed: [UInt8]) throws(SigningError) {
        guard seed.count == 32 else {
            throw .privateKeyInvalid("an Ed25519 private key has 32 bytes, not \(seed.count)")
        }
        let pkey = try Self.makePKey(seed)
        defer { EVP_PKEY_free(pkey) }
        self.rawRepresentation = seed
        self.publicKey = try Self.publicHalf(of: pkey)
    }

    /// A fresh key from OpenSSL's CSPRNG (`EVP_PKEY_keygen`).
    public static func generate() throws(SigningError) -> Ed25519PrivateKey {
        OpenSSLError.clearQueue()
        guard let ctx = EVP_PKEY_CTX_new_id(preload_EVP_PKEY_ED25519(), nil) else {
            throw .openssl("EVP_PKEY_CTX_new_id")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw .openssl("EVP_PKEY_keygen_init") }
        var generated: OpaquePointer? = nil
        guard EVP_PKEY_keygen(ctx, &generated) == 1, let pkey = generated else {
            throw .openssl("EVP_PKEY_keygen")
        }
        defer { EVP_PKEY_free(pkey) }
        var seed = [UInt8](repeating: 0, count: 32)
        var length = seed.count
        guard EVP_PKEY_get_raw_private_key(pkey, &seed, &length) == 1, length == 32 else {
            throw .openssl("EVP_PKEY_get_raw_private_key")
        }
        return try Ed25519PrivateKey(rawRepresentation: seed)
    }

    /// Signs `message` (pure Ed25519: `EVP_DigestSign` with no digest); 64 bytes.
    public func signature(for message: [UInt8]) throws(SigningError) -> [UInt8] {
        let pkey = try Self.makePKey(rawRepresentation)
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { throw .openssl("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1 else { throw .openssl("EVP_DigestSignInit") }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        let ok = message.withUnsafeBufferPointer { msg in
            EVP_DigestSign(ctx, &signature, &length, msg.baseAddress, msg.count)
        }
        guard ok == 1, length == 64 else { throw .openssl("EVP_DigestSign") }
        return signature
    }

    /// The key as a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`), unencrypted.
    public func pkcs8PEM() throws(SigningError) -> String {
        let pkey = try Self.makePKey(rawRepresentation)
        defer { EVP_PKEY_free(pkey) }
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openssl("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PKCS8PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            throw .openssl("PEM_write_bio_PKCS8PrivateKey")
        }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = preload_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { throw .openssl("BIO_get_mem_data") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// Reads a PKCS#8 PEM private key; only Ed25519 keys are accepted.
    public init(pkcs8PEM pem: String) throws(SigningError) {
        OpenSSLError.clearQueue()
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { throw .privateKeyInvalid("empty key file") }
        let parsed: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let pkey = parsed else {
            let e = OpenSSLError.capture("PEM_read_bio_PrivateKey")
            throw .privateKeyInvalid("not a PEM private key (\(e.details.joined(separator: "; ")))")
        }
        defer { EVP_PKEY_free(pkey) }
        guard EVP_PKEY_get_id(pkey) == preload_EVP_PKEY_ED25519() else {
            throw .privateKeyInvalid("not an Ed25519 key")
        }
        var seed = [UInt8](repeating: 0, count: 32)
        var length = seed.count
        guard EVP_PKEY_get_raw_private_key(pkey, &seed, &length) == 1, length == 32 else {
            throw .openssl("EVP_PKEY_get_raw_private_key")
        }
        self.rawRepresentation = seed
        self.publicKey = try Self.publicHalf(of: pkey)
    }

    public var description: String { "Ed25519PrivateKey(secret redacted)" }

    private static func makePKey(_ seed: [UInt8]) throws(SigningError) -> OpaquePointer {
        OpenSSLError.clearQueue()
        guard let pkey = seed.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(preload_EVP_PKEY_ED25519(), nil, $0.baseAddress, $0.count)
        }) else { throw .openssl("EVP_PKEY_new_raw_private_key") }
        return pkey
    }

    private static func publicHalf(of pkey: OpaquePointer) throws(SigningError) -> Ed25519PublicKey {
        var raw = [UInt8](repeating: 0, count: 32)
        var length = raw.count
        guard EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1, length == 32 else {
            throw .openssl("EVP_PKEY_get_raw_public_key")
        }
        return try Ed25519PublicKey(rawRepresentation: raw)
    }
}

/// Message digests through OpenSSL's EVP interface.
public enum Digest {
    /// SHA-512 of `data` (64 bytes).
    public static func sha512(_ data: [UInt8]) throws(SigningError) -> [UInt8] {
        try digest(data, EVP_sha512(), "SHA-512")
    }

    /// SHA-256 of `data` (32 bytes).
    public static func sha256(_ data: [UInt8]) throws(SigningError) -> [UInt8] {
        try digest(data, EVP_sha256(), "SHA-256")
    }

    /// SHA-256 of `data` as 64 lowercase hex digits.
    public static func sha256Hex(_ data: [UInt8]) throws(SigningError) -> String {
        try sha256(data).map { String(format: "%02x", $0) }.joined()
    }

    private static func digest(_ data: [UInt8], _ md: OpaquePointer?, _ name: String) throws(SigningError) -> [UInt8] {
        OpenSSLError.clearQueue()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withUnsafeBufferPointer { EVP_Digest($0.baseAddress, $0.count, &out, &length, md, nil) }
        guard ok == 1 else { throw .openssl("EVP_Digest(\(name))") }
        return Array(out.prefix(Int(length)))
    }
}
