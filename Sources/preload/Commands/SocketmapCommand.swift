import ArgumentParser
import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadSocketmap

/// `preload socketmap`: the Postfix socketmap policy daemon.
struct SocketmapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketmap",
        abstract: "Serve TLS policies to Postfix over the socketmap protocol (MTA-STS + the preload list).",
        discussion: """
            Postfix: smtp_tls_policy_maps = socketmap:inet:127.0.0.1:8461:postfix (or socketmap:unix:PATH:postfix).
            Replies OK secure match=… servername=hostname for enforced policies, NOTFOUND for none (and for
            testing), TEMP when the MTA-STS lookup fails with nothing cached or listed (Postfix defers).
            Reloads the list when preload sync installs a new one; stops gracefully on SIGTERM or SIGINT.
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

    @Option(name: .long, help: ArgumentHelp("Seconds between proactive refreshes of MTA-STS policies near expiry.", valueName: "s"))
    var refreshInterval = 900

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug (each decision), info, notice, warning, error.", valueName: "level"))
    var logLevel = "info"

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen must be HOST:PORT or unix:PATH") }
        guard PostfixVersion(postfixVersion) != nil else { throw ValidationError("--postfix-version must look like 3.10") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        guard refreshInterval >= 60 else { throw ValidationError("--refresh-interval must be at least 60 seconds") }
    }

    func run() async throws {
        let logger = stderrLogger("preload.socketmap", level: Logger.Level(rawValue: logLevel)!)
        let clock = try CommandClock()
        let state = client.directory
        let resolver: PreloadPolicyResolver
        do {
            let verifier = try ClientRuntime.verifier(
                try ClientRuntime.trust(allowedSigners: client.allowedSigners, key: client.key, state: state))
            let list = ClientRuntime.installedList(state: state, verifier: verifier, clock: clock, logger: logger)
            if let current = await list.current() {
                logger.info("list loaded", metadata: ["serial": "\(current.serial)", "expires": "\(current.expires)", "domains": "\(current.count)"])
            } else {
                logger.warning("no verified list is installed yet; answering from MTA-STS alone until preload sync installs one")
            }
            let mtaSTS = noMTASTS ? nil : try await ClientRuntime.mtaSTSResolver(
                state: state, network: network.clientNetwork, clock: clock, logger: logger)
            resolver = PreloadPolicyResolver(mtaSTS: mtaSTS, list: list, clock: clock)
        } catch {
            Console.err("preload socketmap: \(error)")
            throw error is STSCacheError ? Exit.unavailable : Exit.internalError
        }
        let configuration = SocketmapConfiguration(listen: ListenAddress(listen)!, mapNames: Set(mapNames),
                                                   postfixVersion: PostfixVersion(postfixVersion)!)
        let server: SocketmapServer
        do {
            server = try await SocketmapServer.start(configuration: configuration, resolver: resolver, logger: logger)
        } catch {
            Console.err("preload socketmap: cannot listen on \(listen): \(error)")
            throw Exit.unavailable
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
        refresher.cancel()
        logger.info("socketmap stopped")
    }
}
