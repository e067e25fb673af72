import COpenSSL
import Foundation
import PreloadOpenSSL

/// Where trusted roots come from, for SMTP probes and HTTPS fetches.
public enum TrustStore: Sendable, Hashable {
    /// The system's default roots (OpenSSL's default verify paths: on Debian, `/etc/ssl/certs`).
    case system
    /// The roots in one PEM file (`--ca-file`): a test bed's CA, or a curated bundle.
    case caFile(String)

    /// `--ca-file PATH` when given, else the system roots.
    public init(caFile: String?) { self = caFile.map { .caFile($0) } ?? .system }
}

/// The client `SSL_CTX` of the SMTP probe, configured once per trust store and shared by every probe.
///
/// It accepts TLS 1.0 and up at security level 0 so that old servers are *observed* and reported rather
/// than failing the handshake, and it never aborts a handshake on a verification failure: the verdicts are
/// read afterwards, each on its own.
final class TLSClientContext: @unchecked Sendable {  // the SSL_CTX is only read after set-up (OpenSSL locks it)
    let ctx: OpaquePointer
    let trust: TrustStore

    init(trust: TrustStore) throws(OpenSSLError) {
        OpenSSLError.clearQueue()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw OpenSSLError.capture("SSL_CTX_new") }
        self.ctx = ctx
        self.trust = trust
        guard preload_SSL_CTX_set_min_proto_version(ctx, preload_TLS1_VERSION()) == 1 else {
            throw OpenSSLError.capture("SSL_CTX_set_min_proto_version")
        }
        guard SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:!eNULL:@SECLEVEL=0") == 1 else {
            throw OpenSSLError.capture("SSL_CTX_set_cipher_list")
        }
        _ = SSL_CTX_set_options(
            ctx, preload_SSL_OP_LEGACY_SERVER_CONNECT() | preload_SSL_OP_IGNORE_UNEXPECTED_EOF()
                | preload_SSL_OP_NO_TICKET())
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        // DANE is enabled per connection (SSL_dane_enable) only when TLSA records are given.
        guard SSL_CTX_dane_enable(ctx) > 0 else { throw OpenSSLError.capture("SSL_CTX_dane_enable") }
        switch trust {
        case .system:
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw OpenSSLError.capture("SSL_CTX_set_default_verify_paths")
            }
        case .caFile(let path):
            guard SSL_CTX_load_verify_locations(ctx, path, nil) == 1 else {
                throw OpenSSLError.capture("load CA file \(path)")
            }
        }
    }

    deinit { SSL_CTX_free(ctx) }

    /// A new `SSL` for one connection: SNI and host-name check for `host`, verification time `now`.
    /// The caller owns the result.
    func makeSSL(host: String, now: Int64?) throws(OpenSSLError) -> OpaquePointer {
        OpenSSLError.clearQueue()
        guard let ssl = SSL_new(ctx) else { throw OpenSSLError.capture("SSL_new") }
        var ok = true
        if !Self.isIPAddress(host) {
            ok = ok && preload_SSL_set_tlsext_host_name(ssl, host) == 1
        }
        SSL_set_hostflags(ssl, preload_X509_CHECK_FLAGS_STRICT_DNS_ID())
        ok = ok && SSL_set1_host(ssl, host) == 1
        if let now, let param = SSL_get0_param(ssl) {
            X509_VERIFY_PARAM_set_time(param, time_t(now))
        }
        guard ok else {
            let error = OpenSSLError.capture("configure TLS for \(host)")
            SSL_free(ssl)
            throw error
        }
        SSL_set_connect_state(ssl)
        return ssl
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
