import ArgumentParser

/// `preload lint`: offline checks of MTA-STS and TLS-RPT records, policies and list files.
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint", abstract: "Check MTA-STS/TLS-RPT records, policy files and list files offline.")
}
