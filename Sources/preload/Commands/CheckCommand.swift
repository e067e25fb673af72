import ArgumentParser
import PreloadChecker
import PreloadCore
import PreloadIDNA
import PreloadNetwork

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

    struct Output: Encodable {
        let reports: [DomainReport]
    }

    func run() async throws {
        var names: [DomainName] = []
        for raw in domains {
            do {
                names.append(try DomainName(normalizing: raw, idna: LibIDN2Converter()))
            } catch {
                throw ValidationError("'\(raw)' is not a valid domain name: \(error)")
            }
        }
        let clock = try CommandClock()
        let live: LiveNetwork
        do {
            live = try LiveNetwork(network.settings, clock: clock)
        } catch {
            Console.err("preload check: \(error)")
            throw Exit.unavailable
        }
        if let problem = await live.resolverProblem() {
            Console.err("preload check: the DNS resolver \(network.resolvedDNS ?? "from /etc/resolv.conf") is unreachable: \(problem)")
            throw Exit.temporaryFailure
        }
        let checker = live.checker(clock: clock, settings: checking.settings(network))
        let reports = await checker.check(names)
        switch output.format {
        case .json: try Console.printJSON(Output(reports: reports))
        case .text: Console.out(CheckReportRenderer.text(reports))
        }
        if reports.contains(where: \.resolverUnreachable) { throw Exit.temporaryFailure }
        if !reports.allSatisfy(\.eligible) { throw Exit.blocked }
    }
}

extension NetworkOptions {
    /// The live network's settings from these options.
    var settings: NetworkSettings {
        NetworkSettings(dnsForwarder: resolvedDNS, caFile: resolvedCAFile, timeout: timeout, smtpPort: smtpPort,
                        httpsPort: httpsPort, trustAnchor: resolvedTrustAnchor)
    }
}
