import ArgumentParser

/// `preload lint txt` (not yet built).
struct LintTXTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "txt", abstract: "Not yet built.")
    func run() async throws { throw ValidationError("not yet built") }
}
