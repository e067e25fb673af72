import ArgumentParser
import PreloadChecker
import PreloadCore
import PreloadCuration

/// `preload submit DOMAIN --contact EMAIL`: check a domain, queue it, and prove control of it.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a mail domain for the preload list, and prove control of it.",
        discussion: """
            The first run checks the domain (every address of every MX host, MTA-STS, TLS-RPT). An \
            eligible domain is queued and gets a challenge: publish the printed TXT record, then run the \
            same command again to start probation. The challenge stays open 14 days \
            (--challenge-expiry-days); unproven by then, the submission expires (state removed, audit event \
            submission-expired) and may be made again.

            MX patterns: --mx (must cover every MX host), else the domain's MTA-STS policy (provenance \
            mta-sts: the entry then follows the policy), else the MX host names exactly (manual).

            With --server URL (or PRELOAD_SERVER) the same steps go through a curation service (`preload serve`) \
            instead of the local state, with the same output and exit codes.

            The --contact given here (the maintainer's own machine) counts as confirmed; contacts given to a \
            curation service get a one-time confirmation code first and no other mail until it is used.

            Limits: 5 submissions per domain per 24 hours; 200 new submissions between validate-all runs.

            Exit codes: 0 queued, awaiting the challenge, verified, or already in curation (nothing \
            changed); 1 ineligible or --mx not covering every MX (the report says why; nothing queued); \
            64 usage; 69 state or network unavailable, or a state written by a newer preload; 75 rate limited.
            """)

    @Argument(help: "The mail domain.") var domain: String
    @Option(name: .long, help: ArgumentHelp("Email address told about every step.", valueName: "email"))
    var contact: String
    @Option(name: .long, help: "enforce (default) or testing.") var mode: ListMode?
    @Option(name: .long, help: ArgumentHelp("An MX pattern (repeatable): host name or *.domain (U-labels are converted to A-labels).", valueName: "pattern"))
    var mx: [String] = []

    @OptionGroup var options: OwnerStepOptions

    func validate() throws {
        do { _ = try ContactAddress(contact) } catch { throw ValidationError("--contact: \(error)") }
        for p in mx {
            do { _ = try Composition.mxPattern(p) } catch { throw ValidationError("--mx '\(p)': \(error)") }
        }
    }

    func run() async throws {
        if let server = options.server.resolved {
            return try await RemoteCommands.submit(server, domain: domain, contact: contact, mode: mode, mx: mx,
                                                   format: options.output.format)
        }
        let name = try Composition.domain(domain)
        let clock = try CommandClock()
        let store = try await Composition.store(options.state)
        let checker = try await Composition.checker(options.network, clock: clock)
        let service = SubmitService(store: store, checker: checker, clock: clock, policy: options.challenge.policy)
        let request = SubmitRequest(domain: name, contact: try ContactAddress(contact), mode: mode,
                                    patterns: try mx.map(Composition.mxPattern), contactConfirmed: true)
        let outcome: SubmitOutcome
        do { outcome = try await service.submit(request) } catch { throw Curation.fail(error) }
        try Console.print(SubmitOutput(outcome: outcome, domain: name, contact: contact), options.output.format)
        switch outcome {
        case .ineligible, .patternsUncovered: throw Exit.blocked
        default: break
        }
    }
}

extension ListMode: ExpressibleByArgument {}
