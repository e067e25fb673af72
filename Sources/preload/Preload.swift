import ArgumentParser

/// The `preload` command line: curate, publish and enforce a preload list of mail domains that
/// require authenticated TLS.
@main
struct Preload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preload",
        abstract: "Curate, publish and enforce a preload list of mail domains that require authenticated TLS.",
        discussion: """
            Domain owners: `preload lint`, `preload check`, `preload submit`, `preload status`, `preload remove`. \
            Maintainers: `preload validate-all` on a schedule, `preload publish`, `preload events`. \
            Mail servers: `preload sync` from cron, `preload resolve`, `preload socketmap`.

            Exit codes: 0 success; 1 findings that block (invalid, ineligible, verification refused); \
            2 warnings only (where a command says so); 64 usage; 69 a needed service unavailable; \
            70 internal error; 75 temporary failure, retry later.

            Environment: PRELOAD_NOW (RFC 3339) overrides the clock of every command but the socketmap daemon, which refuses it; PRELOAD_DNS, \
            PRELOAD_CA_FILE, PRELOAD_STATE and PRELOAD_SIGNING_KEY stand in for their options.
            """,
        version: "0.1.0",
        subcommands: [
            LintCommand.self,
            ListCommand.self,
            CheckCommand.self,
            CodesCommand.self,
            SubmitCommand.self,
            ValidateAllCommand.self,
            StatusCommand.self,
            EventsCommand.self,
            StateCommand.self,
            RemoveCommand.self,
            KeygenCommand.self,
            PublishCommand.self,
            SyncCommand.self,
            ResolveCommand.self,
            SocketmapCommand.self,
            ServeCommand.self,
            PreflightCommand.self,
        ]
    )
}
