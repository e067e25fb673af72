import ArgumentParser

/// `preload list diff` (not yet built).
struct ListDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Not yet built.")
    func run() async throws { throw ValidationError("not yet built") }
}
