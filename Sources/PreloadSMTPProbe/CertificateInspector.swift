import COpenSSL
import Foundation
import PreloadCore
import PreloadOpenSSL

/// Copies certificate facts out of OpenSSL and judges the peer chain, each verdict on its own.
enum CertificateInspector {
    /// The facts of one certificate.
    static func facts(_ cert: OpaquePointer) -> CertificateFacts {
        CertificateFacts(
            subject: name(X509_get_subject_name(cert)), issuer: name(X509_get_issuer_name(cert)),
            dnsNames: dnsNames(cert), notBefore: timestamp(X509_get0_notBefore(cert)),
            notAfter: timestamp(X509_get0_notAfter(cert)), sha256: certificateSHA256(cert),
            spkiSHA256: spkiSHA256(cert))
    }

    /// The TLS facts of a finished handshake on `ssl`, judged for `host` at `now` (seconds since 1970; nil:
    /// the real clock) against the trust store of `context`.
    static func tlsFacts(ssl: OpaquePointer, host: String, now: Int64?, context: TLSClientContext) -> TLSFacts {
        let version = TLSProtocolVersion(wire: Int(SSL_version(ssl)))
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? ""
        var certificates: [OpaquePointer] = []
        if let chain = preload_SSL_get_peer_chain(ssl) {
            for i in 0..<preload_sk_X509_num(chain) {
                if let cert = preload_sk_X509_value(chain, i) { certificates.append(cert) }
            }
        }
        let chain = certificates.map(facts)
        let code = X509VerifyError(rawValue: Int(SSL_get_verify_result(ssl)))
        let clock = now ?? Int64(time(nil))
        var verification = CertificateVerification(
            code: code, message: verifyMessage(code), chainTrusted: false, chainErrorCode: .ok,
            chainErrorMessage: "", nameMatches: false, expired: code.rawValue == Int(X509_V_ERR_CERT_HAS_EXPIRED),
            notYetValid: code.rawValue == Int(X509_V_ERR_CERT_NOT_YET_VALID))
        guard let leaf = certificates.first else {
            verification.chainErrorCode = X509VerifyError(rawValue: Int(X509_V_ERR_UNSPECIFIED))
            verification.chainErrorMessage = "the server sent no certificate"
            return TLSFacts(version: version, cipher: cipher, chain: chain, verification: verification)
        }
        let (trusted, chainCode) = verifyChainIgnoringTime(
            leaf: leaf, untrusted: preload_SSL_get_peer_chain(ssl), context: context)
        verification.chainTrusted = trusted
        verification.chainErrorCode = chainCode
        verification.chainErrorMessage = trusted ? "" : verifyMessage(chainCode)
        verification.nameMatches = X509_check_host(leaf, host, host.utf8.count, preload_X509_CHECK_FLAGS_STRICT_DNS_ID(), nil) == 1
        if let notAfter = chain.first?.notAfter, notAfter.secondsSince1970 < clock { verification.expired = true }
        if let notBefore = chain.first?.notBefore, notBefore.secondsSince1970 > clock { verification.notYetValid = true }
        return TLSFacts(version: version, cipher: cipher, chain: chain, verification: verification)
    }

    /// Builds and verifies the chain against the trust store with validity times ignored.
    private static func verifyChainIgnoringTime(
        leaf: OpaquePointer, untrusted: OpaquePointer?, context: TLSClientContext
    ) -> (Bool, X509VerifyError) {
        OpenSSLError.clearQueue()
        guard let store = SSL_CTX_get_cert_store(context.ctx), let storeContext = X509_STORE_CTX_new() else {
            return (false, X509VerifyError(rawValue: Int(X509_V_ERR_UNSPECIFIED)))
        }
        defer { X509_STORE_CTX_free(storeContext) }
        guard X509_STORE_CTX_init(storeContext, store, leaf, untrusted) == 1 else {
            return (false, X509VerifyError(rawValue: Int(X509_V_ERR_UNSPECIFIED)))
        }
        _ = X509_STORE_CTX_set_default(storeContext, "ssl_server")
        if let param = X509_STORE_CTX_get0_param(storeContext) {
            _ = X509_VERIFY_PARAM_set_flags(param, preload_X509_V_FLAG_NO_CHECK_TIME())
        }
        let ok = X509_verify_cert(storeContext) == 1
        let code = Int(X509_STORE_CTX_get_error(storeContext))
        OpenSSLError.clearQueue()
        return (ok, ok ? .ok : X509VerifyError(rawValue: code))
    }

    static func verifyMessage(_ code: X509VerifyError) -> String {
        X509_verify_cert_error_string(code.rawValue).map { String(cString: $0) } ?? "verification error \(code.rawValue)"
    }

    private static func name(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, preload_XN_FLAG_RFC2253()) >= 0 else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = preload_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
        }
    }

    private static func dnsNames(_ cert: OpaquePointer) -> [String] {
        guard let names = preload_X509_get_san(cert) else { return [] }
        defer { preload_GENERAL_NAMES_free(names) }
        var result: [String] = []
        for i in 0..<preload_sk_GENERAL_NAME_num(names) {
            guard let entry = preload_sk_GENERAL_NAME_value(names, i), let dns = preload_GENERAL_NAME_dns(entry),
                let bytes = ASN1_STRING_get0_data(dns)
            else { continue }
            let count = Int(ASN1_STRING_length(dns))
            result.append(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        }
        return result
    }

    private static func timestamp(_ time: UnsafePointer<ASN1_TIME>?) -> Timestamp? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Timestamp(secondsSince1970: Int64(timegm(&parts)))
    }

    private static func certificateSHA256(_ cert: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(cert, EVP_sha256(), &digest, &length) == 1 else { return "" }
        return hex(digest.prefix(Int(length)))
    }

    private static func spkiSHA256(_ cert: OpaquePointer) -> String {
        guard let key = X509_get_X509_PUBKEY(cert) else { return "" }
        let size = i2d_X509_PUBKEY(key, nil)
        guard size > 0 else { return "" }
        var der = [UInt8](repeating: 0, count: Int(size))
        let written: Int32 = der.withUnsafeMutableBufferPointer { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_X509_PUBKEY(key, &cursor)
        }
        guard written == size else { return "" }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(der, der.count, &digest, &length, EVP_sha256(), nil) == 1 else { return "" }
        return hex(digest.prefix(Int(length)))
    }

    private static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
