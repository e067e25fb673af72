import ArgumentParser

/// `preload lint list` (not yet built).
struct LintListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Not yet built.")
    func run() async throws { throw ValidationError("not yet built") }
}
