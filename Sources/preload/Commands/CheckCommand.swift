import ArgumentParser
import PreloadChecker
import PreloadCore

/// `preload check`: the domain checker over real DNS, SMTP/STARTTLS and HTTPS.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check domains as a sending MTA enforcing MTA-STS would, and say whether they can be preloaded.",
        discussion: """
            Every address of every MX host is probed: STARTTLS, TLS ≥ 1.2, a certificate that is trusted, \
            unexpired and valid for the MX host name (SNI = MX host). The _mta-sts record and policy must be \
            valid, cover every MX host and not be mode none; missing MTA-STS or TLS-RPT records are warnings. \
            Domains are checked --concurrency at a time, each within --domain-timeout seconds. Issue codes: \
            `preload codes`.

            Exit codes: 0 every domain eligible; 1 any domain ineligible; 64 usage; 75 the DNS resolver \
            itself is unreachable (retry later).
            """)

    @Argument(help: "Domains to check (U-labels are converted to A-labels).")
    var domains: [String]

    @OptionGroup var network: NetworkOptions
    @OptionGroup var checking: CheckerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let names = try domains.map(Composition.domain)
        let clock = try CommandClock()
        let checker = try await Composition.checker(network, clock: clock, settings: checking.settings(network),
                                                    command: "preload check")
        let reports = await checker.check(names)
        try Console.print(CheckOutput(reports: reports), output.format)
        if reports.contains(where: \.resolverUnreachable) { throw Exit.temporaryFailure }
        if !reports.allSatisfy(\.eligible) { throw Exit.blocked }
    }
}

