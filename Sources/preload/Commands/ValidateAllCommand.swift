import ArgumentParser
import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration

/// `preload validate-all`: re-validate, apply the lifecycle, publish, notify.
struct ValidateAllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-all",
        abstract: "Re-validate every domain in probation, listed or failing; apply the lifecycle; publish; notify.",
        discussion: """
            Lifecycle defaults: probation 14 days with at least 3 passing validations; a listed domain \
            that fails is failing (still listed) and removed after 7 days unless it passes again; an \
            MTA-STS policy with mode none removes the domain; mta-sts entries follow their policy. A run \
            first expires every challenge left unproven past its time (a pending submission goes back to \
            removed; a removal request lapses), with an audit event.

            The list is published (signed and committed) when its content changed or the committed list \
            is past half its validity. On a SQLite state, only one run at a time (a lock in the state \
            directory); a run that was killed is taken over by the next one, which finishes its work. On a \
            PostgreSQL state (--state postgres://…), workers started on one or several machines share one \
            round: each claims domains in small batches with a lease (--lease-seconds), a dead worker's \
            domains go to the others when its leases run out, every domain gets one result per round, and \
            the worker that completes the round publishes once and delivers the notifications.

            Exit codes: 0 the run completed, whatever the domains did; 64 usage; 69 state or network \
            unavailable, or a state written by a newer preload; 70 publishing failed (validation results are kept; the next run publishes); \
            75 another run is active, or our resolver was unreachable (results inconclusive).
            """)

    @Flag(name: .customLong("no-publish"), help: "Validate and apply the lifecycle, but do not publish.")
    var noPublish = false

    @Flag(name: .long, help: "Allow the first publish into a repository that has no list yet.")
    var bootstrap = false

    @Option(name: .long, help: ArgumentHelp(
        "The name of this worker's point of view, recorded with each validation it makes (default: the host name).",
        valueName: "name"))
    var vantage: String?

    @Option(name: .customLong("lease-seconds"), help: ArgumentHelp(
        "How long a domain this worker claimed of a shared round stays its own before other workers may take it over: longer than a domain's validation can take (default 600).",
        valueName: "seconds"))
    var leaseSeconds: Int64 = ValidateAllService.defaultLeaseSeconds

    @Option(name: .long, help: ArgumentHelp(
        "How many vantages (workers with different --vantage names) must validate each domain of a round this worker starts on a PostgreSQL state: a domain is then promoted only when every vantage saw it pass, and moves to failing only when at least two saw it fail; a failure seen from one vantage alone is a warning in its history (default 1).",
        valueName: "k"))
    var vantages = 1

    func validate() throws {
        guard leaseSeconds >= 1 else { throw ValidationError("--lease-seconds must be at least 1") }
        guard (1...16).contains(vantages) else { throw ValidationError("--vantages must be between 1 and 16") }
        if let vantage, vantage.isEmpty || vantage.count > 64 || vantage.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw ValidationError("--vantage must be 1 to 64 characters without spaces")
        }
    }

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var publishing: PublishOptions
    @OptionGroup var network: NetworkOptions
    @OptionGroup var checking: CheckerOptions
    @OptionGroup var notifications: NotificationOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let clock = try CommandClock()
        let store = try await Composition.store(stateOptions)
        let publisher: (any ListPublishing)?
        if noPublish {
            publisher = nil
        } else {
            publisher = try Composition.listPublishing(publishing, clock: clock, bootstrap: bootstrap)
        }
        let service = ValidateAllService(store: store, checker: try await Composition.checker(network, clock: clock,
                                                                                              settings: checking.settings(network)),
                                         clock: clock, publisher: publisher,
                                         notifier: try Composition.notifier(notifications, network: network, clock: clock),
                                         // Twice as many domains in flight as probe slots: a domain's DNS
                                         // lookups then overlap the others' probes, which keep every slot busy.
                                         concurrency: 2 * network.concurrency,
                                         vantage: vantage ?? ProcessInfo.processInfo.hostName,
                                         leaseSeconds: leaseSeconds, leaseClock: SystemClock(), vantages: vantages)
        let progress = Progress.onTTY()
        var callback: (@Sendable (Int, Int) -> Void)? = nil
        if let progress { callback = { done, total in progress.show(done, total) } }
        let summary: RunSummary
        do {
            summary = try await service.run(progress: callback)
        } catch {
            progress?.finish()
            throw Curation.fail(error)
        }
        progress?.finish()
        try Console.print(ValidateAllOutput(summary: summary), output.format)
        if summary.inconclusive > 0 { throw Exit.temporaryFailure }
    }
}
