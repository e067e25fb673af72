import PreloadOpenSSL
/// Why a key, public key line, signature or allowed-signers file could not be used.
///
/// Verification failures have their own cases so that callers (and their users) can tell a tampered
/// message from a signature made for another purpose or by an unknown key.
public enum SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// OpenSSL failed; `operation` and OpenSSL's own messages.
    case crypto(operation: String, details: [String])
    /// The private key file is not a PKCS#8 PEM Ed25519 key.
    case privateKeyInvalid(String)
    /// A public key line or blob is malformed.
    case publicKeyInvalid(String)
    /// The key type is not `ssh-ed25519`.
    case unsupportedKeyType(String)
    /// A file could not be read or written.
    case file(path: String, reason: String)
    /// Refused to overwrite an existing key file.
    case fileExists(path: String)
    /// The armoured signature is malformed (armour, base64, fields, trailing data).
    case signatureMalformed(String)
    /// The signature has a magic preamble or version this code does not know.
    case signatureUnsupportedVersion(UInt32)
    /// The signature uses a hash algorithm other than `sha512`/`sha256`.
    case signatureUnsupportedHash(String)
    /// The signature was made for another namespace (another purpose).
    case signatureNamespaceMismatch(expected: String, found: String)
    /// The signature does not match the message and key: the message or signature was changed.
    case signatureInvalid
    /// An allowed-signers line is malformed.
    case allowedSignersInvalid(line: Int, reason: String)

    public var description: String {
        switch self {
        case .crypto(let op, let details):
            details.isEmpty ? "\(op) failed" : "\(op) failed: \(details.joined(separator: "; "))"
        case .privateKeyInvalid(let why): "private key unusable: \(why)"
        case .publicKeyInvalid(let why): "public key unusable: \(why)"
        case .unsupportedKeyType(let type): "key type '\(type)' is not supported (only ssh-ed25519)"
        case .file(let path, let reason): "\(path): \(reason)"
        case .fileExists(let path): "\(path) already exists; refusing to overwrite it"
        case .signatureMalformed(let why): "signature malformed: \(why)"
        case .signatureUnsupportedVersion(let v): "signature version \(v) is not supported"
        case .signatureUnsupportedHash(let h): "signature hash algorithm '\(h)' is not supported"
        case .signatureNamespaceMismatch(let expected, let found):
            "signature was made for namespace '\(found)', expected '\(expected)'"
        case .signatureInvalid: "signature does not match the data and key"
        case .allowedSignersInvalid(let line, let reason): "allowed signers line \(line): \(reason)"
        }
    }

    /// Wraps the OpenSSL error queue, drained right after the failing call.
    static func openssl(_ operation: String) -> SigningError {
        let e = OpenSSLError.capture(operation)
        return .crypto(operation: e.operation, details: e.details)
    }
}
