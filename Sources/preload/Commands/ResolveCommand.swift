import ArgumentParser
import Foundation
import Logging
import PreloadClient
import PreloadCore

/// `preload resolve DOMAIN`: the TLS policy decision for one destination domain.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Show the TLS policy a sending MTA applies to a domain (DANE, then MTA-STS, then the preload list).",
        discussion: """
            DANE first, with a validating resolver (--trust-anchor, by default the root key): DNSSEC-validated \
            TLSA records for every MX host give dane-only, for some dane, and a bogus or failed DNSSEC lookup \
            defers; then a live or cached MTA-STS policy (a fetched mode none removes any policy), else the list \
            entry while the list has not expired, else none. Uses the state directory's MTA-STS cache without \
            writing it.

            Exit codes: 0 decided; 64 usage; 69 the MTA-STS cache was written by a newer preload; 70 setup \
            failed; 75 the lookup failed and nothing is cached or \
            listed (an MTA defers).
            """)

    @Argument(help: "The destination domain.")
    var domain: String

    @OptionGroup var client: ClientStateOptions

    @Flag(name: .customLong("no-mta-sts"), help: "Do not look up MTA-STS; use the list alone.")
    var noMTASTS = false

    @Flag(name: .customLong("no-dane"), help: "Do not look up DANE (TLSA records); start the decision at MTA-STS.")
    var noDANE = false

    @Option(name: .long, help: ArgumentHelp("Target Postfix version for the shown table value.", valueName: "x.y"))
    var postfixVersion = "3.4"

    @OptionGroup var network: NetworkOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard PostfixVersion(postfixVersion) != nil else { throw ValidationError("--postfix-version must look like 3.10") }
    }

    func run() async throws {
        let name: DomainName
        do { name = try DomainName(domain) } catch {
            Console.err("preload resolve: '\(domain)' is not a domain name: \(error)")
            throw Exit.usage
        }
        let clock = try CommandClock()
        let logger = stderrLogger("preload.resolve", level: .error)
        let state = client.directory
        let resolver: PreloadPolicyResolver
        do {
            let verifier = try ClientRuntime.verifier(
                try ClientRuntime.trust(allowedSigners: client.allowedSigners, key: client.key, state: state))
            let list = ClientRuntime.installedList(state: state, verifier: verifier, clock: clock, logger: logger)
            if await list.current() == nil {
                Console.err("preload resolve: warning: no verified list is installed in \(state.path)")
            }
            let mtaSTS = noMTASTS ? nil : try await ClientRuntime.mtaSTSResolver(
                state: state, network: network.clientNetwork, clock: clock, readOnly: true, logger: logger)
            let dane = noDANE ? nil : try UnboundDANEEvaluator.validating(
                dns: network.resolvedDNS, trustAnchor: network.resolvedTrustAnchor, timeout: network.timeout)
            resolver = PreloadPolicyResolver(mtaSTS: mtaSTS, list: list, clock: clock, dane: dane)
        } catch {
            Console.err("preload resolve: \(error)")
            throw error is STSCacheError ? Exit.unavailable : Exit.internalError
        }
        let decision = await resolver.resolve(name)
        switch output.format {
        case .json:
            try Console.printJSON(decision)
        case .text:
            let what = decision.enforced ? Console.color("enforce", "32") : decision.mode.rawValue
            Console.out("\(decision.domain): \(what) (source: \(decision.source.rawValue))")
            if !decision.mx.isEmpty { Console.out("  mx: \(decision.mx.map(\.description).joined(separator: ", "))") }
            if let until = decision.validUntil { Console.out("  valid until: \(until)") }
            Console.out("  \(decision.note)")
            switch PostfixMap.answer(for: decision, version: PostfixVersion(postfixVersion)!) {
            case .found(let value): Console.out("  postfix: \(value)")
            case .notFound: Console.out("  postfix: no entry (default TLS level)")
            case .temporaryFailure(let why): Console.out("  postfix: TEMP \(why) (delivery deferred)")
            case .permanentFailure(let why): Console.out("  postfix: PERM \(why)")
            }
        }
        if decision.temporaryFailure != nil { throw Exit.temporaryFailure }
    }
}
