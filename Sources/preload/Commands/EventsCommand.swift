import ArgumentParser
import PreloadCore
import PreloadCuration

/// `preload events [--domain D]`: the audit log.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print the audit log: every lifecycle step with its reason, actor and notification.",
        discussion: "Exit codes: 0 success; 64 usage; 69 state unavailable, or written by a newer preload.")

    @Option(name: .long, help: "Only this domain.") var domain: String?
    @Option(name: .long, help: "Only the newest N events.") var limit: Int?
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let name = try domain.map(Composition.domain)
        let clock = try CommandClock()
        let store = try await Composition.store(stateOptions)
        let events: [AuditEntry]
        do {
            events = try await StatusService(store: store, clock: clock).events(domain: name, limit: limit)
        } catch {
            throw Curation.fail(error)
        }
        try Console.print(EventsOutput(events: events), output.format)
    }
}
