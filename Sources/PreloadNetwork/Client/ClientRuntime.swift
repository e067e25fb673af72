import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadDNS
import PreloadHTTP

/// Builds the client's parts from command-line settings: the verifier, the installed list, the MTA-STS
/// resolver over the live network. The commands and other programs use it; tests build parts directly.
public enum ClientRuntime {
    /// Network settings (`--dns`, `--ca-file`, `--timeout`, `--https-port`).
    public struct Network: Sendable {
        /// Forward DNS to `IP[@PORT]`; `nil` uses `/etc/resolv.conf`.
        public var dns: String?
        /// Trust roots (PEM) for HTTPS; `nil` uses the system bundle.
        public var caFile: String?
        /// Deadline of each DNS query and HTTPS fetch, in seconds.
        public var timeout: Double
        /// The HTTPS port of `mta-sts.<domain>` hosts (test beds only).
        public var httpsPort: Int

        /// Settings.
        public init(dns: String? = nil, caFile: String? = nil, timeout: Double = 20, httpsPort: Int = 443) {
            self.dns = dns
            self.caFile = caFile
            self.timeout = timeout
            self.httpsPort = httpsPort
        }
    }

    /// A failure to set the client up (bad trust file, no trust anchors, unusable resolver).
    public struct SetupError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Trust anchors from `--allowed-signers` or `--key`, else those saved in `state` by `sync`.
    public static func trust(allowedSigners: String?, key: String?, state: StateDirectory) throws -> StateDirectory.TrustFile {
        func read(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else { throw SetupError("cannot read \(path)") }
            return String(decoding: data, as: UTF8.self)
        }
        if let allowedSigners { return .allowedSigners(try read(allowedSigners)) }
        if let key { return .key(try read(key)) }
        guard let saved = state.loadTrust() else {
            throw SetupError("no trust anchors: give --allowed-signers FILE or --key FILE.pub, or run preload sync first")
        }
        return saved
    }

    /// The verifier for `trust`.
    public static func verifier(_ trust: StateDirectory.TrustFile) throws -> SignedListVerifier {
        do {
            return try SignedListVerifier(trust)
        } catch {
            throw SetupError(error.description)
        }
    }

    /// The installed list of `state`, reloaded when `sync` replaces it.
    public static func installedList(state: StateDirectory, verifier: SignedListVerifier, clock: any TimeSource,
                                     logger: Logger) -> InstalledListProvider {
        InstalledListProvider(state: state, logger: logger) { list, signature in
            try verifier.verifyInstalled(list, signature: signature, now: clock.now())
        }
    }

    /// The MTA-STS source over libunbound and libcurl.
    public static func mtaSTSSource(_ network: Network) throws -> NetworkMTASTSSource {
        let resolver: DNSResolver
        do {
            resolver = try DNSResolver(.forwarding(to: network.dns, timeout: network.timeout))
        } catch {
            throw SetupError("cannot set up DNS: \(error)")
        }
        let fetcher = PolicyFetcher(caFile: network.caFile, timeout: network.timeout, httpsPort: network.httpsPort)
        return NetworkMTASTSSource(dns: UnboundTXTResolver(resolver), https: CurlPolicyBodyFetcher(resolver: resolver, fetcher: fetcher))
    }

    /// The MTA-STS resolver with the state directory's SQLite cache. `readOnly` uses an existing cache
    /// without writing it (an in-memory cache when there is none).
    public static func mtaSTSResolver(state: StateDirectory, network: Network, clock: any TimeSource, readOnly: Bool = false,
                                      settings: MTASTSCacheSettings = MTASTSCacheSettings(),
                                      metrics: MTASTSMetrics? = nil, logger: Logger) async throws -> MTASTSResolver {
        let store: any STSCacheStore
        if readOnly {
            store = FileManager.default.fileExists(atPath: state.cachePath)
                ? try SQLiteSTSCacheStore(path: state.cachePath, readOnly: true) : InMemorySTSCacheStore()
        } else {
            try state.prepare()
            store = try SQLiteSTSCacheStore(path: state.cachePath)
        }
        return try await MTASTSResolver(source: try mtaSTSSource(network), store: store, clock: clock,
                                        settings: settings, metrics: metrics, logger: logger)
    }
}
