import ArgumentParser
import Foundation
import Logging
import PreloadChecker
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadGit
import PreloadIDNA
import PreloadNetwork
import PreloadPostgres
import PreloadState
import PreloadMail
import PreloadSigning

/// The one place where the command line builds the library's parts from its options: domain arguments, the
/// checker over the live network, the curation state, the notifier, the list publisher, the client's policy
/// resolver and the sync run. Commands parse their options, take their parts from here, call them and render
/// the result (Output/); none of them wires parts itself. A part that cannot be built prints why (prefixed
/// with the command's name) and exits with the code its `--help` documents.
enum Composition {
    // MARK: Arguments

    /// A domain argument: U-labels converted to A-labels (libidn2, UTS-46), case and one trailing dot
    /// ignored; a bad name is a usage error (64).
    static func domain(_ text: String) throws -> DomainName {
        do {
            return try domainName(text)
        } catch {
            throw ValidationError("'\(text)' is not a valid domain name: \(error)")
        }
    }

    /// A domain argument converted like ``domain(_:)``, with the name's own error (for commands that word
    /// the usage error themselves).
    static func domainName(_ text: String) throws(DomainNameError) -> DomainName {
        try DomainName(normalizing: text, idna: LibIDN2Converter())
    }

    /// An MX pattern argument (`mail.example.com` or `*.example.com`), its name converted like ``domain(_:)``.
    static func mxPattern(_ text: String) throws -> MXPattern {
        let wildcard = text.hasPrefix("*.")
        let name = wildcard ? String(text.dropFirst(2)) : text
        let converted = name.utf8.allSatisfy { $0 < 0x80 } ? name : ((try? domainName(name).value) ?? name)
        return try MXPattern((wildcard ? "*." : "") + converted)
    }

    // MARK: Checking

    /// The checker over the live network (libunbound, OpenSSL, libcurl), configured by the network options.
    /// A resolver that cannot be set up is unavailable (69); one that does not answer is a temporary failure (75).
    static func checker(_ network: NetworkOptions, clock: any TimeSource, settings: CheckerSettings? = nil,
                        command: String = "preload") async throws -> Checker {
        let live: LiveNetwork
        do {
            live = try LiveNetwork(network.settings, clock: clock)
        } catch {
            Console.err("\(command): \(error)")
            throw Exit.unavailable
        }
        if let problem = await live.resolverProblem() {
            Console.err("\(command): the DNS resolver \(network.resolvedDNS ?? "from /etc/resolv.conf") is unreachable: \(problem)")
            throw Exit.temporaryFailure
        }
        return live.checker(clock: clock, settings: settings ?? CheckerSettings(concurrency: network.concurrency))
    }

    // MARK: Curation

    /// The curation state of `--state` (created on first use): SQLite in a directory, or PostgreSQL for a
    /// `postgres://` URL; a state that cannot be opened, or was written by a newer preload, is unavailable (69).
    static func store(_ options: StateOptions) async throws -> any CurationStore {
        do {
            return try await openStore(options.directory)
        } catch {
            Console.err("preload: \(error)")
            throw Exit.unavailable
        }
    }

    /// The state at `location`: a `postgres://` (or `postgresql://`) URL, else a directory.
    static func openStore(_ location: String) async throws -> any CurationStore {
        if isPostgresURL(location) { return try await PostgresStateStore(url: location) }
        return try SQLiteStateStore(directory: location)
    }

    /// Whether `location` names a PostgreSQL state rather than a directory.
    static func isPostgresURL(_ location: String) -> Bool {
        let lower = location.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// The notifier for `--smtp-relay`, or `nil` (notifications recorded only).
    static func notifier(_ options: NotificationOptions, network: NetworkOptions,
                         clock: any TimeSource) throws -> (any Notifier)? {
        guard let text = options.smtpRelay, let relay = NotificationOptions.relay(text) else { return nil }
        // With --smtp-relay-name, the certificate is verified for that name while the connection goes to
        // --smtp-relay (an address, or another name).
        let name = try options.smtpRelayName.map { try domain($0).value }
        let mailer = SMTPMailer(host: name ?? relay.host, port: relay.port, requireTLS: false,
                                caFile: network.resolvedCAFile, timeout: network.timeout,
                                address: name == nil ? nil : relay.host)
        return SMTPNotifier(mailer: mailer, from: try ContactAddress(options.mailFrom), clock: clock)
    }

    // MARK: Publishing

    /// The signing key from `--signing-key` or `PRELOAD_SIGNING_KEY` (a path, or the PEM text itself).
    static func signingKey(_ options: PublishOptions) throws -> Ed25519PrivateKey {
        do {
            if let path = options.signingKey { return try KeyFiles.readPrivateKey(path) }
            guard let env = ProcessInfo.processInfo.environment["PRELOAD_SIGNING_KEY"], !env.isEmpty else {
                throw ValidationError("no signing key: give --signing-key FILE or set PRELOAD_SIGNING_KEY")
            }
            return env.hasPrefix("-----BEGIN") ? try Ed25519PrivateKey(pkcs8PEM: env) : try KeyFiles.readPrivateKey(env)
        } catch let error as SigningError {
            Console.err("preload: signing key: \(error)")
            throw Exit.usage
        }
    }

    /// The list publisher of `--repo` with the signing key, and fault injection from `PRELOAD_CRASH_AT` (tests).
    static func listPublisher(_ options: PublishOptions) throws -> ListPublisher {
        let crash: CrashPoints
        do {
            crash = try CrashPoints(environment: ProcessInfo.processInfo.environment)
        } catch {
            Console.err("preload: \(error)")
            throw Exit.usage
        }
        return ListPublisher(repositoryPath: options.repo, signingKey: try signingKey(options), crashPoints: crash)
    }

    /// `validate-all`'s publisher: publishes into the list repository; the first list only with `bootstrap`.
    static func listPublishing(_ options: PublishOptions, clock: any TimeSource,
                               bootstrap: Bool = false) throws -> RepositoryListPublisher {
        RepositoryListPublisher(publisher: try listPublisher(options), clock: clock, validity: options.validity.seconds,
                                publisherName: options.publisher, bootstrapWhenEmpty: bootstrap, author: options.author)
    }

    // MARK: Client

    /// What `resolve` and `socketmap` answer from: the installed list (reloaded when `sync` replaces it) and,
    /// unless turned off, MTA-STS over the live network with the state directory's cache.
    struct ClientResolver {
        var resolver: PreloadPolicyResolver
        var list: InstalledListProvider
    }

    /// The client's resolver for `client`'s state directory and trust anchors. `readOnly` uses the MTA-STS cache
    /// without writing it. A cache written by a newer preload is unavailable (69); any other set-up failure is
    /// internal (70).
    /// `loaded` is called with the installed list before MTA-STS is set up (to say whether there is one).
    /// Whether the client's resolver looks DANE up first.
    enum DANEUse {
        /// Never.
        case off
        /// When a trust anchor is available (given, or the installed root key); otherwise without DANE.
        case whenAnchored
        /// Always: without a trust anchor the command is refused (usage, 64).
        case required
    }

    static func clientResolver(_ client: ClientStateOptions, network: NetworkOptions, mtaSTS: Bool, dane: DANEUse = .off,
                               readOnly: Bool,
                               metrics: MTASTSMetrics? = nil, clock: any TimeSource, logger: Logger, command: String,
                               loaded: (InstalledListProvider) async -> Void = { _ in }) async throws -> ClientResolver {
        let state = client.directory
        do {
            let verifier = try ClientRuntime.verifier(
                try ClientRuntime.trust(allowedSigners: client.allowedSigners, key: client.key, state: state))
            let list = ClientRuntime.installedList(state: state, verifier: verifier, clock: clock, logger: logger)
            await loaded(list)
            let resolver = mtaSTS ? try await ClientRuntime.mtaSTSResolver(
                state: state, network: network.clientNetwork, clock: clock, readOnly: readOnly, metrics: metrics,
                logger: logger) : nil
            let evaluator = dane == .off ? nil : try UnboundDANEEvaluator.validating(
                dns: network.resolvedDNS, trustAnchor: network.resolvedTrustAnchor, timeout: network.timeout)
            if dane == .required, evaluator == nil {
                Console.err("\(command): --dane needs a DNSSEC trust anchor: give --trust-anchor or install dns-root-data")
                throw Exit.usage
            }
            return ClientResolver(resolver: PreloadPolicyResolver(mtaSTS: resolver, list: list, clock: clock, dane: evaluator),
                                  list: list)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.err("\(command): \(error)")
            throw error is STSCacheError ? Exit.unavailable : Exit.internalError
        }
    }

    /// `sync`'s run: the source, the trust anchors given (a bad trust file is a usage error, 64), the Postfix
    /// table and the MTA-STS refresh the options ask for.
    static func syncRun(source: ListSource, client: ClientStateOptions, network: NetworkOptions, postfixMap: PostfixMapWriter?,
                        refresh: Bool, metricsFile: String?, clock: any TimeSource, logger: Logger) throws -> SyncRun {
        let state = client.directory
        let settings = network.clientNetwork
        var refreshMTASTS: (@Sendable () async throws -> [DomainName])?
        if refresh {
            refreshMTASTS = {
                let resolver = try await ClientRuntime.mtaSTSResolver(state: state, network: settings, clock: clock, logger: logger)
                return await resolver.refreshExpiring().map(\.0)
            }
        }
        do {
            let trust = try ClientRuntime.trust(allowedSigners: client.allowedSigners, key: client.key, state: state)
            return try SyncRun(source: source, state: state, trust: trust, caFile: network.resolvedCAFile, timeout: network.timeout,
                               postfixMap: postfixMap, metricsFile: metricsFile, refreshMTASTS: refreshMTASTS, clock: clock,
                               logger: logger)
        } catch {
            Console.err("preload sync: \(error)")
            throw Exit.usage
        }
    }
}

extension NetworkOptions {
    /// The live network's settings (checker) from these options.
    var settings: NetworkSettings {
        NetworkSettings(dnsForwarder: resolvedDNS, caFile: resolvedCAFile, timeout: timeout, smtpPort: smtpPort,
                        httpsPort: httpsPort, trustAnchor: resolvedTrustAnchor)
    }

    /// The client's network settings (MTA-STS lookups).
    var clientNetwork: ClientRuntime.Network {
        ClientRuntime.Network(dns: resolvedDNS, caFile: resolvedCAFile, timeout: timeout, httpsPort: httpsPort)
    }
}

/// swift-log to stderr at `level`.
func stderrLogger(_ label: String, level: Logger.Level) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
}
