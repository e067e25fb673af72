import ArgumentParser

/// `preload lint tlsrpt` (not yet built).
struct LintTLSRPTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tlsrpt", abstract: "Not yet built.")
    func run() async throws { throw ValidationError("not yet built") }
}
