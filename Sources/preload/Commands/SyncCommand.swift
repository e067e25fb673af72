import ArgumentParser
import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadNetwork
import PreloadSystem

/// The client's state directory and trust anchors, shared by `sync`, `resolve` and `socketmap`.
struct ClientStateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The client's state directory (installed list, MTA-STS cache).", valueName: "dir"))
    var state: String = "/var/lib/preload"

    @Option(name: .long, help: ArgumentHelp("An OpenSSH allowed-signers file naming the list's signers (namespace preload-list).",
                                            valueName: "file"))
    var allowedSigners: String?

    @Option(name: .long, help: ArgumentHelp("A pinned signing key (ssh-ed25519 .pub file) instead of --allowed-signers.",
                                            valueName: "file.pub"))
    var key: String?

    func validate() throws {
        if allowedSigners != nil && key != nil { throw ValidationError("give only one of --allowed-signers and --key") }
    }

    var directory: StateDirectory { StateDirectory(state) }
}

/// `preload sync`: fetch, verify and install the signed list; write the Postfix table; refresh MTA-STS.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch, verify and install the signed preload list; regenerate the Postfix table (for cron).",
        discussion: """
            SRC is an https:// URL of the list (its signature at the same URL + .sig; with a list installed from it, \
            the download sends If-None-Match with that list's ETag, and a 304 reports unchanged without downloading), a local file (FILE.sig \
            beside it), or a git repository (a directory, or a URL ending in .git or starting with git+, ssh:// \
            or git://) fetched through libgit2 into the state directory: list/preload.json and its .sig are read \
            at the head of the default branch, whose commit must carry an SSH signature (namespace git) by a key \
            of the same allowed signers.

            The list must be signed (namespace preload-list) by a key of --allowed-signers (or the --key), \
            follow format v1, not have expired, and have a serial no lower than any installed before. It is \
            installed atomically with its signature; the former list is kept as the last good copy. A list \
            above 256 MiB (list.too-large) or a signature above 64 KiB (list.signature-malformed) is refused \
            before it is read.

            --metrics-file writes a node_exporter textfile-collector file (temporary file and rename) after \
            every run that held the lock: preload_sync_last_run_timestamp_seconds, \
            preload_sync_last_run_result{result}, preload_sync_last_success_timestamp_seconds, and for the \
            installed list preload_sync_list_serial, _generated_timestamp_seconds, _age_seconds, \
            _expiry_timestamp_seconds, _expired and _domains.

            Exit codes: 0 updated or unchanged; 1 the list was refused (the installed copy is kept), or the \
            installed list has expired and nothing newer verified (its entries are dropped from the outputs: \
            opportunistic TLS); 64 usage; 70 the state directory, the table or the metrics file could not be \
            written; 75 the source was unreachable or another sync is running (the installed copy is kept; \
            retry later).
            """)

    @Option(name: .long, help: ArgumentHelp("Where to get the list: https://…/preload.json, a file path, or a git repository.",
                                                         valueName: "src"))
    var source: String

    @OptionGroup var client: ClientStateOptions

    @Option(name: .long, help: ArgumentHelp("Write the static Postfix smtp_tls_policy_maps table here.", valueName: "file"))
    var postfixMap: String?

    @Flag(name: .long, help: "Compile the table with Postfix's postmap (FILE.db), atomically.")
    var postmap = false

    @Option(name: .long, help: ArgumentHelp("The postmap database type.", valueName: "type"))
    var postmapType = "hash"

    @Option(name: .long, help: ArgumentHelp("Postfix configuration directory for postmap -c (default: Postfix's own).",
                                            valueName: "dir"))
    var postfixConfig: String?

    @Option(name: .long, help: ArgumentHelp("Target Postfix version: 3.10 or later adds TLSRPT attributes.", valueName: "x.y"))
    var postfixVersion = "3.4"

    @Flag(name: .long, help: "Also refetch cached MTA-STS policies that expire within a day.")
    var refresh = false

    @Option(name: .long, help: ArgumentHelp("Write Prometheus metrics of the run here (node_exporter textfile collector, e.g. /var/lib/node_exporter/textfile/preload.prom).",
                                            valueName: "file"))
    var metricsFile: String?

    @OptionGroup var network: NetworkOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (client.allowedSigners == nil) != (client.key == nil) else {
            throw ValidationError("give exactly one of --allowed-signers FILE and --key FILE.pub")
        }
        guard let parsed = ListSource(source) else {
            throw ValidationError("--source must be https://, a file path or a git repository, not plain http")
        }
        if case .file(let path) = parsed {
            // A FIFO or a device would block or never end; a missing file is only unreachable (exit 75).
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                throw ValidationError("--source \(path) is not a regular file")
            }
        }
        guard PostfixVersion(postfixVersion) != nil else { throw ValidationError("--postfix-version must look like 3.10") }
        if postmap && postfixMap == nil { throw ValidationError("--postmap needs --postfix-map FILE") }
    }

    func run() async throws {
        let clock = try CommandClock()
        let logger = stderrLogger("preload.sync", level: .warning)
        let map = postfixMap.map {
            PostfixMapWriter(path: $0, version: PostfixVersion(postfixVersion)!, databaseType: postmap ? postmapType : nil,
                             postfixConfigDirectory: postfixConfig)
        }
        let run = try Composition.syncRun(source: ListSource(source)!, client: client, network: network, postfixMap: map,
                                          refresh: refresh, metricsFile: metricsFile, clock: clock, logger: logger)
        let outcome: SyncRun.Outcome
        do {
            outcome = try await run.run()
        } catch let busy as StateDirectory.SyncLockHeld {
            Console.err("preload sync: \(busy)")
            throw Exit.temporaryFailure
        } catch {
            Console.err("preload sync: \(error)")
            throw Exit.internalError
        }
        let report = outcome.report
        try Console.print(SyncOutput(report: report, written: outcome.written, refreshed: outcome.refreshed), output.format)
        if report.installedExpired, let list = report.installed {
            Console.err(Console.color("PRELOAD LIST EXPIRED", "31;1") + " at \(list.expires) (serial \(list.serial)) and no newer list verified:"
                + " its entries are no longer enforced; delivery falls back to opportunistic TLS. Check --source.")
            throw Exit.blocked
        }
        switch report.result {
        case .updated, .unchanged: return
        case .refused: throw Exit.blocked
        case .unreachable: throw Exit.temporaryFailure
        }
    }
}
