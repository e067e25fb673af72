import ArgumentParser
import PreloadChecker

/// The checker's own options, for the commands that check domains (`check`, `validate-all`).
struct CheckerOptions: ParsableArguments {
    @Option(name: .customLong("domain-timeout"), help: ArgumentHelp(
        "Deadline in seconds for the whole check of one domain, whatever its number of MX hosts and addresses; a domain that reaches it gets check.deadline-exceeded, which blocks, and frees its place for the next domain.",
        valueName: "seconds"))
    var domainTimeout: Double = CheckerSettings.defaultDomainTimeout

    func validate() throws {
        guard domainTimeout > 0, domainTimeout <= 86400 else {
            throw ValidationError("--domain-timeout must be between 0 and 86400 seconds")
        }
    }

    /// The checker settings for these options and the shared network options.
    func settings(_ network: NetworkOptions) -> CheckerSettings {
        CheckerSettings(concurrency: network.concurrency, domainTimeout: domainTimeout)
    }
}
