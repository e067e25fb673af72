import ArgumentParser

/// `preload list`: work with preload list files.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Convert, verify and compare preload list files.",
        subcommands: [ListConvertCommand.self, ListDiffCommand.self, ListVerifyCommand.self])
}
