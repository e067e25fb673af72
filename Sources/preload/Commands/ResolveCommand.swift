import ArgumentParser
import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadNetwork

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

    @Argument(help: "The destination domain (U-labels are converted to A-labels).")
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
        let name = try Composition.domain(domain)
        let clock = try CommandClock()
        let logger = stderrLogger("preload.resolve", level: .error)
        let path = client.directory.path
        let client = try await Composition.clientResolver(
            client, network: network, mtaSTS: !noMTASTS, dane: noDANE ? .off : .whenAnchored, readOnly: true, clock: clock,
            logger: logger, command: "preload resolve") { list in
            if await list.current() == nil { Console.err("preload resolve: warning: no verified list is installed in \(path)") }
        }
        let decision = await client.resolver.resolve(name)
        try Console.print(ResolveOutput(decision: decision, postfixVersion: PostfixVersion(postfixVersion)!), output.format)
        if decision.temporaryFailure != nil { throw Exit.temporaryFailure }
    }
}
