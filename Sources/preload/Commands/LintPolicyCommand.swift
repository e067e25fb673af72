import ArgumentParser

/// `preload lint policy` (not yet built).
struct LintPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy", abstract: "Not yet built.")
    func run() async throws { throw ValidationError("not yet built") }
}
