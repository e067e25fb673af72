import CCurl
import Foundation
import PreloadCore
import PreloadSystem

/// What one policy fetch did.
public struct PolicyFetchResult: Sendable, Hashable {
    /// The URL fetched.
    public var url: String
    /// The addresses the host name was pinned to, when the caller resolved it.
    public var addresses: [String]?
    /// How it ended.
    public var outcome: PolicyFetchOutcome

    /// A result value.
    public init(url: String, addresses: [String]?, outcome: PolicyFetchOutcome) {
        self.url = url
        self.addresses = addresses
        self.outcome = outcome
    }
}

/// Fetches MTA-STS policies per RFC 8461 §3.3 with libcurl: HTTPS only, certificate verified for
/// `mta-sts.<domain>` (SNI sent), no redirects followed, the body capped while it is read, one deadline,
/// no proxies and no caching. Transfers run on ``BlockingThreadPool/shared``, never on Swift's cooperative pool.
public struct PolicyFetcher: Sendable {
    /// Trusted roots in one PEM file; `nil` for libcurl's default bundle.
    public var caFile: String?
    /// The deadline of one fetch, in seconds (RFC 8461 suggests 60).
    public var timeout: Double
    /// The body cap in bytes (RFC 8461 suggests 64 KiB).
    public var maxBodySize: Int
    /// The HTTPS port (443; test beds may use another).
    public var httpsPort: Int

    /// A fetcher; every argument has the default described on its property.
    public init(caFile: String? = nil, timeout: Double = 60, maxBodySize: Int = 65536, httpsPort: Int = 443) {
        self.caFile = caFile
        self.timeout = timeout
        self.maxBodySize = maxBodySize
        self.httpsPort = httpsPort
    }

    /// The policy URL for `domain` (RFC 8461 §3.3), with the port when it is not 443.
    public static func policyURL(domain: String, port: Int = 443) -> String {
        let host = "mta-sts." + (domain.hasSuffix(".") ? String(domain.dropLast()) : domain)
        return port == 443 ? "https://\(host)/.well-known/mta-sts.txt" : "https://\(host):\(port)/.well-known/mta-sts.txt"
    }

    /// Fetches the policy of `domain`.
    /// - Parameters:
    ///   - addresses: when given, connect to these addresses (IPv4 or IPv6 text) instead of resolving
    ///     `mta-sts.<domain>` with the system resolver — the checker resolves the name with its own resolver.
    ///   - port: overrides ``httpsPort``.
    public func fetch(domain: String, addresses: [String]? = nil, port: Int? = nil) async -> PolicyFetchResult {
        let port = port ?? httpsPort
        let url = Self.policyURL(domain: domain, port: port)
        let host = "mta-sts." + (domain.hasSuffix(".") ? String(domain.dropLast()) : domain)
        let request = FetchRequest(url: url, host: host, port: port, addresses: addresses, fetcher: self)
        let outcome = await BlockingThreadPool.shared.run { request.perform() }
        return PolicyFetchResult(url: url, addresses: addresses, outcome: outcome)
    }
}

extension PolicyFetcher {
    /// GETs any `https://` URL under the same rules as a policy fetch (HTTPS only, certificate checked, no
    /// redirects, body capped at ``maxBodySize``, deadline): `preload sync` downloads lists with it.
    public func get(url: String) async -> PolicyFetchOutcome {
        let request = FetchRequest(url: url, host: "", port: httpsPort, addresses: nil, fetcher: self)
        return await BlockingThreadPool.shared.run { request.perform() }
    }

    /// ``get(url:)`` with `If-None-Match: etag` when `etag` is given: a `304` comes back as
    /// `.response` with status 304 and no body. Also returns the response's `ETag`, if any.
    public func get(url: String, ifNoneMatch etag: String?) async -> (PolicyFetchOutcome, etag: String?) {
        var request = FetchRequest(url: url, host: "", port: httpsPort, addresses: nil, fetcher: self)
        if let etag { request.extraHeaders = ["If-None-Match: \(etag)"] }
        let prepared = request
        return await BlockingThreadPool.shared.run { prepared.performKeepingETag() }
    }
}

/// One fetch, run on one pool thread.
private struct FetchRequest: Sendable {
    let url: String
    let host: String
    let port: Int
    let addresses: [String]?
    let fetcher: PolicyFetcher
    /// More request headers (`If-None-Match`).
    var extraHeaders: [String] = []

    func perform() -> PolicyFetchOutcome { performKeepingETag().0 }

    func performKeepingETag() -> (PolicyFetchOutcome, String?) {
        let sink = BodySink(limit: fetcher.maxBodySize)
        let easy: CurlEasy
        do {
            easy = try CurlEasy()
            try easy.set(CURLOPT_URL, url)
            try easy.set(CURLOPT_PROTOCOLS_STR, "https")
            try easy.set(CURLOPT_FOLLOWLOCATION, 0)
            try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let roots = TrustRoots.store(caFile: fetcher.caFile) {
                try easy.useStore(roots)
            } else if let caFile = fetcher.caFile {
                try easy.set(CURLOPT_CAINFO, caFile)  // unreadable: libcurl reports it for the fetch
            }
            try easy.set(CURLOPT_TIMEOUT_MS, Int(fetcher.timeout * 1000))
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(fetcher.timeout * 1000))
            try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(fetcher.maxBodySize))
            try easy.set(CURLOPT_PROXY, "")  // no proxy from the environment: fetch what a sending MTA fetches
            try easy.set(CURLOPT_USERAGENT, "preload-checker (MTA-STS)")
            try easy.set(CURLOPT_HTTPHEADER, list: ["Cache-Control: no-cache"] + extraHeaders)
            if let addresses, !addresses.isEmpty {
                let list = addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")
                try easy.set(CURLOPT_RESOLVE, list: ["\(host):\(port):\(list)"])
            }
            try easy.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
            let write: preload_curl_write_cb = { data, size, count, context in
                guard let context else { return 0 }
                let sink = Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                guard sink.body.count + length <= sink.limit else {
                    sink.exceeded = true
                    return 0  // makes libcurl stop with CURLE_WRITE_ERROR
                }
                if let data, length > 0 {
                    data.withMemoryRebound(to: UInt8.self, capacity: length) {
                        sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                    }
                }
                return length
            }
            try easy.setWriteFunction(write)
        } catch {
            return (.failed(error), nil)
        }
        let (code, error) = easy.perform()  // `sink` stays alive until here (used below)
        let status = easy.info(long: CURLINFO_RESPONSE_CODE).flatMap { $0 > 0 ? $0 : nil }
        if let error {
            return (Self.failure(code, error, status: status, exceeded: sink.exceeded, limit: fetcher.maxBodySize), nil)
        }
        let etag = easy.header("ETag")
        let finalStatus = status ?? 0
        if finalStatus == 304 {
            return (.response(HTTPResponse(status: 304, contentType: nil, body: [])), etag)
        }
        if (300..<400).contains(finalStatus) {
            return (.redirect(status: finalStatus, location: easy.info(string: CURLINFO_REDIRECT_URL)), etag)
        }
        return (.response(HTTPResponse(status: finalStatus, contentType: easy.info(string: CURLINFO_CONTENT_TYPE),
            body: sink.body)), etag)
    }

    /// The outcome of a transfer that ended with a libcurl error.
    static func failure(_ code: CURLcode, _ error: TransferError, status: Int?, exceeded: Bool, limit: Int) -> PolicyFetchOutcome {
        switch code {
        case CURLE_WRITE_ERROR where exceeded, CURLE_FILESIZE_EXCEEDED:
            return .tooLarge(status: status, limit: limit)
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectFailed(error)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return .tlsFailure(error)
        default:
            return .failed(error)
        }
    }
}

/// The trust stores that fetches verify with, made once per CA file (or the system's roots) and shared by
/// every transfer. libcurl otherwise parses its CA file for each connection: with the system bundle (140
/// roots) that was about 30 ms of CPU per policy fetch, more than the rest of a domain's check (50 test-bed
/// domains: 1.4–1.9 s of CPU more than with the test bed's one-root file; libcurl 7.88's CA cache did not
/// help, even for transfers on one handle). Stores live as long as the process.
private enum TrustRoots {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var stores: [String: UnsafeMutableRawPointer] = [:]  // under `lock`

    /// The store of `caFile` (`nil`: the system's roots), made on first use; `nil` when it cannot be read.
    static func store(caFile: String?) -> UnsafeMutableRawPointer? {
        lock.withLock {
            let key = caFile.map { "file:" + $0 } ?? "system"
            if let store = stores[key] { return store }
            let made = caFile.map { path in path.withCString { preload_curl_store_new($0) } } ?? preload_curl_store_new(nil)
            if let made { stores[key] = made }
            return made
        }
    }
}

/// The body being received, with its cap. Touched only by the transfer's thread.
private final class BodySink {
    let limit: Int
    var body: [UInt8] = []
    var exceeded = false
    init(limit: Int) { self.limit = limit }
}
