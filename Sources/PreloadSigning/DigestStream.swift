import COpenSSL
import PreloadOpenSSL

/// A SHA-512 or SHA-256 digest over data given in pieces (a file read a megabyte at a time), through
/// OpenSSL's EVP interface. Owns its `EVP_MD_CTX`. Not `Sendable`: one thread feeds it.
public final class DigestStream {
    private let ctx: OpaquePointer
    private var finished = false

    /// A SHA-512 digest.
    public static func sha512() throws(SigningError) -> DigestStream { try DigestStream(EVP_sha512(), "SHA-512") }

    /// A SHA-256 digest.
    public static func sha256() throws(SigningError) -> DigestStream { try DigestStream(EVP_sha256(), "SHA-256") }

    private init(_ md: OpaquePointer?, _ name: String) throws(SigningError) {
        OpenSSLError.clearQueue()
        guard let ctx = EVP_MD_CTX_new() else { throw .openssl("EVP_MD_CTX_new") }
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else {
            EVP_MD_CTX_free(ctx)
            throw .openssl("EVP_DigestInit_ex(\(name))")
        }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        // EVP_DigestUpdate fails only on a context in the wrong state, which `finish` guards against.
        precondition(!finished && EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate")
    }

    /// The digest of everything added; the stream takes no more data afterwards.
    public func finish() throws(SigningError) -> [UInt8] {
        precondition(!finished, "DigestStream.finish called twice")
        finished = true
        OpenSSLError.clearQueue()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx, &out, &length) == 1 else { throw .openssl("EVP_DigestFinal_ex") }
        return Array(out.prefix(Int(length)))
    }
}
