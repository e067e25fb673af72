import ArgumentParser

/// `preload list convert` (not yet built).
struct ListConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert", abstract: "Not yet built.")
    func run() async throws { throw ValidationError("not yet built") }
}
