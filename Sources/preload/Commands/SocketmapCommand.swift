import ArgumentParser
import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadNetwork
import PreloadSocketmap

/// `preload socketmap`: the Postfix socketmap policy daemon.
struct SocketmapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketmap",
        abstract: "Serve TLS policies to Postfix over the socketmap protocol (MTA-STS + the preload list).",
        discussion: """
            Postfix: smtp_tls_policy_maps = socketmap:inet:127.0.0.1:8461:postfix (or socketmap:unix:PATH:postfix). \
            Replies OK secure match=… servername=hostname for enforced policies, NOTFOUND for none (and for \
            testing), TEMP when the MTA-STS lookup fails with nothing cached or listed (Postfix defers), PERM for \
            malformed requests and unknown map names.

            Answers come from memory when the list and the MTA-STS cache know the domain (checked within the last \
            minute); otherwise the domain is looked up. The list is reloaded when preload sync installs a new one. \
            A connection is closed after --idle-timeout without a request, when one request takes longer than \
            --request-timeout to arrive, or when a client that half-closed its side has been answered. A client \
            that does not read its replies is not read from either. Stops gracefully on SIGTERM or SIGINT.

            With --metrics-listen, GET /metrics on that address serves Prometheus text: \
            preload_socketmap_queries_total by source (dane, mta-sts, list, none, temp), \
            preload_socketmap_malformed_requests_total, preload_mta_sts_cache_hits_total and _misses_total, \
            preload_mta_sts_policy_fetch_duration_seconds (histogram by result), preload_list_serial, \
            preload_list_expiry_timestamp_seconds, preload_list_domains, preload_socketmap_connections.

            The daemon always runs on the system clock: PRELOAD_NOW, which rehearses other commands at a fixed \
            time, is refused here (exit 64).

            Exit codes: 0 stopped by a signal; 64 usage; 69 cannot listen, or the MTA-STS cache was written by a newer preload; 70 setup failed.
            """)

    @Option(name: .long, help: ArgumentHelp("Where to listen: HOST:PORT or unix:PATH.", valueName: "addr"))
    var listen = "127.0.0.1:8461"

    @OptionGroup var client: ClientStateOptions

    @Option(name: .customLong("map-name"), help: ArgumentHelp("Map names to answer (repeatable).", valueName: "name"))
    var mapNames: [String] = ["postfix"]

    @Option(name: .long, help: ArgumentHelp("Target Postfix version: 3.10 or later adds TLSRPT attributes.", valueName: "x.y"))
    var postfixVersion = "3.4"

    @Flag(name: .customLong("no-mta-sts"), help: "Do not look up MTA-STS; answer from the list alone.")
    var noMTASTS = false

    @Flag(name: .long, help: "Look DANE up first for every query (validating resolver: --trust-anchor, by default the root key): dane-only when every MX host has DNSSEC-validated usable TLSA records, dane when some have, TEMP when such a lookup is bogus or fails. Each such query waits for live DNS lookups; Postfix needs smtp_dns_support_level = dnssec.")
    var dane = false

    @Option(name: .long, help: ArgumentHelp("Seconds between proactive refreshes of MTA-STS policies near expiry.", valueName: "s"))
    var refreshInterval = 900

    @Option(name: .long, help: ArgumentHelp(
        "Seconds within which one request must arrive, from its first byte to its last; a slower client is disconnected.",
        valueName: "s"))
    var requestTimeout: Double = 10

    @Option(name: .long, help: ArgumentHelp("Seconds without a request after which a connection is closed.", valueName: "s"))
    var idleTimeout: Double = 300

    @Option(name: .long, help: ArgumentHelp(
        "Serve Prometheus metrics on HOST:PORT (GET /metrics). Off by default; keep it on loopback or a management network.",
        valueName: "host:port"))
    var metricsListen: String?

    @Option(name: .long, help: ArgumentHelp(
        "Event-loop threads answering connections (default 1). One loop answers from memory faster than a mail server on the same machine asks (about 80,000 answers/s on two cores); on two cores, a second loop competed with the asking processes for the cores and answered 15-28 % fewer. Policy fetches and DNS lookups do not run on the loops.",
        valueName: "n"))
    var threads = 1

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug (each decision), info, notice, warning, error.", valueName: "level"))
    var logLevel = "info"

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        if let raw = ProcessInfo.processInfo.environment["PRELOAD_NOW"], !raw.isEmpty {
            throw ValidationError("PRELOAD_NOW is set, but the socketmap daemon runs on the system clock only; unset it")
        }
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen must be HOST:PORT or unix:PATH") }
        guard PostfixVersion(postfixVersion) != nil else { throw ValidationError("--postfix-version must look like 3.10") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        guard refreshInterval >= 60 else { throw ValidationError("--refresh-interval must be at least 60 seconds") }
        guard requestTimeout > 0, requestTimeout <= 3600 else {
            throw ValidationError("--request-timeout must be between 0 and 3600 seconds")
        }
        guard idleTimeout > 0, idleTimeout <= 86400 else { throw ValidationError("--idle-timeout must be between 0 and 86400 seconds") }
        if let metricsListen {
            guard case .tcp = ListenAddress(metricsListen) else { throw ValidationError("--metrics-listen must be HOST:PORT") }
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
    }

    func run() async throws {
        let logger = stderrLogger("preload.socketmap", level: Logger.Level(rawValue: logLevel)!)
        let clock = SystemClock()
        let exporter = metricsListen.map { _ in PrometheusExporter() }
        let client = try await Composition.clientResolver(
            client, network: network, mtaSTS: !noMTASTS, dane: dane ? .required : .off, readOnly: false, metrics: exporter?.metrics.mtaSTS, clock: clock,
            logger: logger, command: "preload socketmap") { list in
            if let current = await list.current() {
                logger.info("list loaded", metadata: ["serial": "\(current.serial)", "expires": "\(current.expires)", "domains": "\(current.count)"])
            } else {
                logger.warning("no verified list is installed yet; answering from MTA-STS alone until preload sync installs one")
            }
        }
        let resolver = client.resolver, list = client.list
        var configuration = SocketmapConfiguration(listen: ListenAddress(listen)!, mapNames: Set(mapNames),
                                                   postfixVersion: PostfixVersion(postfixVersion)!)
        configuration.requestTimeout = .nanoseconds(Int64(requestTimeout * 1e9))
        configuration.idleTimeout = .nanoseconds(Int64(idleTimeout * 1e9))
        configuration.threads = threads
        let server: SocketmapServer
        do {
            server = try await SocketmapServer.start(configuration: configuration, resolver: resolver, logger: logger,
                                                     metrics: exporter?.metrics)
        } catch {
            Console.err("preload socketmap: cannot listen on \(listen): \(error)")
            throw Exit.unavailable
        }
        var endpoint: MetricsEndpoint?
        if let exporter, let metricsListen, case .tcp(let host, let port) = ListenAddress(metricsListen) {
            do {
                endpoint = try await exporter.start(host: host, port: port, group: server.eventLoopGroup, logger: logger) {
                    exporter.metrics.record(list: await list.current())
                    exporter.metrics.connections.record(Double(server.connectionCount))
                }
            } catch {
                Console.err("preload socketmap: cannot listen on \(metricsListen) for metrics: \(error)")
                await server.shutdown()
                throw Exit.unavailable
            }
        }
        let refresher = Task { [interval = refreshInterval, mtaSTS = resolver.mtaSTS] in
            guard let mtaSTS else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                if Task.isCancelled { break }
                await mtaSTS.refreshExpiring()
            }
        }
        await server.runUntilTerminated()
        await endpoint?.shutdown()
        refresher.cancel()
        logger.info("socketmap stopped")
    }
}
