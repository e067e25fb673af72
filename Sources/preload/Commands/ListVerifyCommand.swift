import ArgumentParser

/// `preload list verify` (not yet built).
struct ListVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Not yet built.")
    func run() async throws { throw ValidationError("not yet built") }
}
