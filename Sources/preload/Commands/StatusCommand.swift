import ArgumentParser
import PreloadCore
import PreloadCuration

/// `preload status DOMAIN`: where a domain stands, why, and what happens next.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a domain's lifecycle state, why, its last validations, and what happens next.",
        discussion: """
            States: pending-verification, probation, listed, failing, removal-requested, removed \
            (unknown when the domain was never submitted). With --server URL (or PRELOAD_SERVER) the status comes from \
            a curation service (`preload serve`).

            Exit codes: 0 success (also for unknown domains); 64 usage; 69 state unavailable, or written by a newer preload.
            """)

    @Argument(help: "The mail domain.") var domain: String
    @Option(name: .long, help: "How many recent validations to show.") var validations = 5
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var serverOptions: ServerOptions

    func run() async throws {
        if let server = serverOptions.resolved {
            return try await RemoteCommands.status(server, domain: domain, validations: validations, format: output.format)
        }
        let name = try Composition.domain(domain)
        let clock = try CommandClock()
        let store = try await Composition.store(stateOptions)
        let status: DomainStatus
        do {
            status = try await StatusService(store: store, clock: clock).status(of: name, validations: max(0, validations))
        } catch {
            throw Curation.fail(error)
        }
        try Console.print(StatusOutput(status: status), output.format)
    }
}
