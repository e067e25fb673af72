import ArgumentParser
import Foundation
import PreloadCuration
import PreloadGit

/// `preload publish`: render, sign and commit the next list.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign and commit the next preload list (list/preload.json + .sig) in one signed git commit.",
        discussion: """
            The list gets serial = committed serial + 1, generation time now (PRELOAD_NOW when set) and expiry \
            now + --validity. It is signed (SSH signature, namespace preload-list) and committed with its \
            signature in one commit signed with the same key, through libgit2.

            Refused, with nothing written: a committed list that does not verify against list/allowed_signers, \
            a signing key not in it, a serial not greater than the committed one, an --entries file above \
            256 MiB (list.too-large). A run interrupted at any point leaves the branch at the old or the new \
            commit; the next run (or --repair) puts the work tree right. See list/README.md.

            Exit codes: 0 published; 1 refused; 64 usage; 70 internal error; 75 busy or raced, retry.
            """)

    @Option(name: .long, help: "Take the domains from this v1 list file (its serial and dates are ignored). Default: the committed list's.")
    var entries: String?

    @OptionGroup var options: PublishOptions

    @Flag(name: .long, help: "Publish the first list of a repository whose HEAD has none; commits list/allowed_signers (the work tree's, or one made from the key with identity --publisher).")
    var bootstrap = false

    @Option(name: .long, help: "Use this serial instead of committed + 1 (must be greater).")
    var serial: UInt64?

    @Flag(name: .long, help: "Only repair the work tree after an interrupted run; publish nothing.")
    var repair = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let now = try CommandClock().now()
        let publisher = try Composition.listPublisher(options)
        if repair {
            let paths = try await Self.mapErrors { try await GitThread.run { try publisher.repair() } }
            try Console.print(RepairOutput(paths: paths), output.format)
            return
        }
        var request = PublishRequest(entries: nil, now: now, validity: options.validity.seconds,
                                     publisher: options.publisher, serial: serial, bootstrap: bootstrap,
                                     author: options.author)
        if let entries {
            let data = try InputFile.readList(entries)
            let loaded = try await Self.mapErrors { try ListPublisher.entries(fromListFile: data) }
            request.entries = loaded.entries
            request.aliases = loaded.aliases
            if bootstrap, options.publisher == nil { request.publisher = loaded.publisher }
        }
        let finalRequest = request
        let result = try await Self.mapErrors { try await publisher.publishInBackground(finalRequest) }
        try Console.print(PublishOutput(result: result), output.format)
    }

    /// Maps publish failures to messages and exit codes.
    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PublishError {
            Console.err("preload publish: \(error)")
            switch error {
            case .usage: throw Exit.usage
            case .busy, .concurrentUpdate: throw Exit.temporaryFailure
            case .git, .io, .signing, .workTreeNotUpdated: throw Exit.internalError
            default: throw Exit.blocked
            }
        }
    }
}
