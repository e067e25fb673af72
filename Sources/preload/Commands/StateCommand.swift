import ArgumentParser
import Foundation
import PreloadCuration

/// `preload state`: operations on a whole curation state.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Operations on a whole curation state (SQLite directory or PostgreSQL URL).",
        subcommands: [StateMigrateCommand.self])
}

/// `preload state migrate --from A --to B`: copy a state between backends, verified.
struct StateMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a whole curation state from one backend to another (SQLite and PostgreSQL, either way), verified.",
        discussion: """
            Copies every table — domains, submissions and challenges, validations, the audit log, \
            notifications, validate-all runs, publications, contacts and the rate-limit counts — with \
            their ids, in one transaction on the destination, which is checked before it commits: each \
            table's row count and SHA-256 checksum must equal the source's, or nothing is written. Both \
            states are migrated to this preload's schema first. Stop validate-all and preload serve on \
            the source while it runs: changes made meanwhile are not copied.

            Exit codes: 0 copied and verified; 64 usage; 69 a state is unavailable, or written by a newer \
            preload; 70 the copy did not verify (nothing written); 73 the destination is not empty and \
            --replace was not given.
            """)

    @Option(name: .long, help: ArgumentHelp("The state to copy: a directory (SQLite) or a postgres:// URL.", valueName: "dir|url"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("The state to copy into: a directory (SQLite, created if needed) or a postgres:// URL.", valueName: "dir|url"))
    var to: String

    @Flag(name: .long, help: "Delete everything the destination holds before copying (in the same transaction).")
    var replace = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard from != to else { throw ValidationError("--from and --to name the same state") }
    }

    func run() async throws {
        let source: any CurationStore
        let destination: any CurationStore
        do {
            source = try await Composition.openStore(from)
            destination = try await Composition.openStore(to)
        } catch {
            Console.err("preload: \(error)")
            throw Exit.unavailable
        }
        let report: StateMigration.Report
        do {
            report = try await StateMigration.copy(from: source, to: destination, replace: replace)
        } catch let failure as StateMigration.Failure {
            Console.err("preload state migrate: \(failure)")
            if case .destinationNotEmpty = failure { throw ExitCode(73) }
            throw Exit.internalError
        } catch {
            throw Curation.fail(error)
        }
        try Console.print(StateMigrateOutput(report: report), output.format)
    }
}

/// What `state migrate` copied.
struct StateMigrateOutput: CommandResult {
    var report: StateMigration.Report
    var json: StateMigration.Report { report }
    var text: TextOutput {
        var lines = ["copied and verified\(report.replaced ? " (the destination's rows were replaced)" : ""):"]
        for t in report.tables {
            lines.append("  \(t.table.padding(toLength: 13, withPad: " ", startingAt: 0)) \(String(t.rows).leftPad(8)) rows  sha256 \(t.sha256.prefix(16))")
        }
        return TextOutput(out: lines)
    }
}

private extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
