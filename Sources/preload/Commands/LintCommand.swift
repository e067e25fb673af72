import ArgumentParser

/// `preload lint`: offline checks of MTA-STS and TLS-RPT records, policies and list files.
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check MTA-STS/TLS-RPT records, policy files and list files offline.",
        discussion: "Exit codes: 0 valid (warnings allowed), 1 invalid or absent, 64 usage.",
        subcommands: [LintPolicyCommand.self, LintTXTCommand.self, LintTLSRPTCommand.self, LintListCommand.self]
    )
}
