import COpenSSL
import PreloadCore
import PreloadOpenSSL
@testable import PreloadSMTPProbe
import PreloadSigning

/// A certificate as an MX server presents it (DER). OpenSSL parses it; what the checker copies out must be
/// faithful: the fingerprint is the SHA-256 of the DER certificate, each SAN that is a plain host name is one
/// OpenSSL's own host check accepts, and validity times are representable (they print and read back).
@Sendable func fuzzCertificate(_ input: [UInt8]) {
    let parsed: OpaquePointer? = input.withUnsafeBufferPointer { buffer in
        var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
        return d2i_X509(nil, &cursor, buffer.count)
    }
    OpenSSLError.clearQueue()
    guard let cert = parsed else { return }
    defer { X509_free(cert) }
    let facts = CertificateInspector.facts(cert)
    OpenSSLError.clearQueue()
    // The fingerprint is over the DER encoding, as `openssl x509 -fingerprint` gives it (OpenSSL re-encodes
    // what was read in BER forms).
    let der = derEncoding(cert)
    let digest = (try? Digest.sha256(der))?.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    require(facts.sha256 == digest, "fingerprint \(facts.sha256) is not the SHA-256 of the DER certificate")
    require(facts.spkiSHA256.isEmpty || (facts.spkiSHA256.count == 64 && facts.spkiSHA256.utf8.allSatisfy { isHexDigit($0) }),
            "SPKI fingerprint '\(facts.spkiSHA256)'")
    for name in facts.dnsNames {
        guard let host = try? DomainName(name), host.value == name else { continue }
        let matched = X509_check_host(cert, name, name.utf8.count, preload_X509_CHECK_FLAGS_STRICT_DNS_ID(), nil)
        require(matched == 1, "SAN '\(name)' is not accepted by X509_check_host (\(matched))")
    }
    for time in [facts.notBefore, facts.notAfter].compactMap({ $0 }) {
        require(Timestamp(rfc3339: time.rfc3339, strictUTC: true) == time, "validity time \(time.secondsSince1970) does not read back")
    }
}

private func isHexDigit(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }

private func derEncoding(_ cert: OpaquePointer) -> [UInt8] {
    let size = i2d_X509(cert, nil)
    guard size > 0 else { return [] }
    var der = [UInt8](repeating: 0, count: Int(size))
    let written = der.withUnsafeMutableBufferPointer { buffer in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        return i2d_X509(cert, &cursor)
    }
    return written == size ? der : []
}
