import ArgumentParser
import Foundation
import Logging
import PreloadChecker
import PreloadCore
import PreloadService
import PreloadSocketmap
import PreloadSystem

/// `preload serve`: the curation service for domain owners (JSON API v1, web page, published list).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the curation state to domain owners: a JSON API, a web page and the published list.",
        discussion: """
            Serves HTTP/1.1 on --listen from the same curation state the other commands use (validate-all may run \
            beside it: readers never wait for a run). API v1 (documented in policy-schema/openapi.yaml): GET \
            /api/v1/preflight/{domain}, POST /api/v1/submissions and /api/v1/submissions/{domain}/confirm, GET \
            /api/v1/domains/{domain}, POST /api/v1/removals and /api/v1/removals/{domain}/confirm, GET \
            /api/v1/events; GET /list/preload.json, /list/preload.json.sig and /list/allowed_signers from --repo \
            (strong ETag, 304 on If-None-Match); GET /metrics (Prometheus text) and /healthz. Errors are \
            application/problem+json (RFC 9457) with an issue code.

            The checker refuses to connect to addresses that are not public (loopback, RFC 1918, ULA, \
            link-local, CGNAT, multicast, documentation, IPv4-mapped forms): such an MX or policy host gets \
            net.address-not-public. --allow-private-targets lifts this, for test beds only.

            Rate limits (token buckets; per client address, which comes from X-Forwarded-For only when the \
            peer is a --trusted-proxy): preflight 10/min, submissions and removals 20/h, other API requests \
            600/min; per domain: submissions 5/h, removals 5/h. They are per replica, kept in memory (a bucket in the \
            shared state would cost a database round trip per request): R replicas on one state behind a balancer \
            allow up to R times the rate. At most --max-checks checks run at once, each \
            within --domain-timeout. Run it behind a reverse proxy that terminates TLS (README: Running the \
            service), or serve HTTPS directly with --tls-cert and --tls-key (TLS 1.2 and 1.3 through OpenSSL; a \
            key that is not the certificate's is refused at start-up). Stops gracefully on SIGTERM or SIGINT: no new \
            connections, requests in flight finish.

            Contact addresses are confirmed before they get mail: POST /api/v1/contacts (and every new \
            submission whose contact was never asked) mails a one-time code, valid 72 hours, with a link to \
            /contacts/confirm on --public-url; POST /api/v1/contacts/confirm takes it. At most 3 confirmation \
            mails per address and 20 per address domain a day. Until confirmed, validate-all withholds the \
            address's notices. Confirmation mail goes through --smtp-relay; without it, it is only recorded \
            (and then nobody can confirm). Only the code's SHA-256 is stored; addresses never reach the log.

            Exit codes: 0 stopped by a signal; 64 usage; 69 cannot listen, or the state is unavailable; 70 setup \
            failed; 78 the TLS certificate or key cannot be used (unreadable, not PEM, or a key that is not the \
            certificate's).
            """)

    @Option(name: .long, help: ArgumentHelp("Where to listen: HOST:PORT ([IPV6]:PORT); port 0 picks a free port, printed on stderr.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @OptionGroup var stateOptions: StateOptions

    @Option(name: .long, help: ArgumentHelp("The list repository's work tree whose list/ files are served under /list/.", valueName: "dir"))
    var repo: String?

    @Option(name: .customLong("public-url"), help: ArgumentHelp("The service's public base URL, as users reach it (links in pages).", valueName: "url"))
    var publicURL: String?

    @Option(name: .customLong("trusted-proxy"), help: ArgumentHelp("A reverse proxy's address whose X-Forwarded-For is believed (repeatable).", valueName: "address"))
    var trustedProxies: [String] = []

    @Flag(name: .customLong("allow-private-targets"), help: "Let the checker connect to loopback and private addresses (test beds and demos only; never on a public service).")
    var allowPrivateTargets = false

    @Option(name: .customLong("max-checks"), help: ArgumentHelp("Checks triggered by requests that run at once; more wait, up to --check-queue.", valueName: "n"))
    var maxChecks = 8

    @Option(name: .customLong("check-queue"), help: ArgumentHelp("Checks that may wait for a place; beyond that a request gets 503 with Retry-After.", valueName: "n"))
    var checkQueue = 64

    @Option(name: .customLong("domain-timeout"), help: ArgumentHelp("Deadline in seconds for the whole check of one domain; reaching it gives check.deadline-exceeded.", valueName: "seconds"))
    var domainTimeout: Double = 60

    @Option(name: .customLong("preflight-limit"), help: ArgumentHelp("Preflight checks per client address, as N/s, N/min, N/h or N/d.", valueName: "rate"))
    var preflightLimit = "10/min"

    @Option(name: .customLong("submission-limit"), help: ArgumentHelp("Submission and confirmation requests per domain.", valueName: "rate"))
    var submissionLimit = "5/h"

    @Option(name: .customLong("removal-limit"), help: ArgumentHelp("Removal requests and confirmations per domain.", valueName: "rate"))
    var removalLimit = "5/h"

    @Option(name: .customLong("write-limit"), help: ArgumentHelp("Submission, confirmation and removal requests per client address.", valueName: "rate"))
    var writeLimit = "20/h"

    @Option(name: .customLong("read-limit"), help: ArgumentHelp("Other API requests (status, events) per client address.", valueName: "rate"))
    var readLimit = "600/min"

    @Option(name: .long, help: ArgumentHelp("Event-loop threads answering connections (default: one per core).", valueName: "n"))
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info (one line per request), notice, warning, error.", valueName: "level"))
    var logLevel = "info"

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @OptionGroup var challenge: ChallengeOptions
    @OptionGroup var notifications: NotificationOptions
    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard case .tcp = ListenAddress(listen) else { throw ValidationError("--listen must be HOST:PORT or [IPV6]:PORT") }
        for (name, text) in [("--preflight-limit", preflightLimit), ("--submission-limit", submissionLimit),
                             ("--removal-limit", removalLimit), ("--write-limit", writeLimit), ("--read-limit", readLimit)] {
            guard RateLimit(text) != nil else { throw ValidationError("\(name) must look like 10/min (N/s, N/min, N/h, N/d), not '\(text)'") }
        }
        guard (1...1024).contains(maxChecks) else { throw ValidationError("--max-checks must be between 1 and 1024") }
        guard (0...100_000).contains(checkQueue) else { throw ValidationError("--check-queue must be between 0 and 100000") }
        guard domainTimeout > 0, domainTimeout <= 3600 else { throw ValidationError("--domain-timeout must be between 0 and 3600 seconds") }
        if let url = publicURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw ValidationError("--public-url must be an http:// or https:// URL")
        }
        for proxy in trustedProxies where AddressPolicy.nonPublicRange(proxy) == "not an IP address" {
            throw ValidationError("--trusted-proxy must be an IP address, not '\(proxy)'")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func run() async throws {
        guard case .tcp(let host, let port) = ListenAddress(listen) else { throw Exit.usage }
        var logger = Logger(label: "preload.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let clock = try CommandClock()
        var tls: TLSServerContext? = nil
        if let tlsCert, let tlsKey {
            do {
                tls = try TLSServerContext(certificateFile: tlsCert, keyFile: tlsKey)
            } catch {
                Console.err("preload: \(error)")
                throw Exit.configuration
            }
        }
        let store = try await Composition.store(stateOptions)
        let settings = CheckerSettings(concurrency: network.concurrency, domainTimeout: domainTimeout,
                                       addressPolicy: allowPrivateTargets ? .any : .publicOnly)
        let checker = try await Composition.checker(network, clock: clock, settings: settings, command: "preload serve")
        var limits = ServiceRateLimits()
        limits.preflightPerClient = RateLimit(preflightLimit)!
        limits.submissionsPerDomain = RateLimit(submissionLimit)!
        limits.removalsPerDomain = RateLimit(removalLimit)!
        limits.writesPerClient = RateLimit(writeLimit)!
        limits.readsPerClient = RateLimit(readLimit)!
        let configuration = ServiceConfiguration(
            store: store, checker: checker, clock: clock, policy: challenge.policy, rateLimits: limits,
            trustedProxies: Set(trustedProxies), publicURL: publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 },
            listRoot: repo, maxChecks: maxChecks, checkQueue: checkQueue, logger: logger,
            notifier: try Composition.notifier(notifications, network: network, clock: clock))
        let api = PreloadAPI(configuration)
        let server: HTTPServer
        do {
            server = try await HTTPServer.start(host: host, port: port, maxBodyBytes: configuration.maxBodyBytes,
                                                threads: threads, logger: logger, tls: tls,
                                                immediate: { api.answerAtOnce($0, peer: $1) }) { await api.handle($0) }
        } catch {
            Console.err("preload: cannot listen on \(listen): \(error)")
            throw Exit.unavailable
        }
        let shown = host.contains(":") ? "[\(host)]" : host
        Console.err("preload: serving on \(tls == nil ? "http" : "https")://\(shown):\(server.port ?? port)"
                    + (allowPrivateTargets ? " (private targets allowed: test beds only)" : ""))
        let signal = await TerminationSignal.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        await server.shutdown()
    }
}
