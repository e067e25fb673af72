import ArgumentParser
import Foundation
import PreloadCuration
import PreloadGit
import PreloadTLS

/// `preload publish`: render, sign and commit the next list.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign and commit the next preload list (list/preload.json + .sig) in one signed git commit.",
        discussion: """
            The list gets serial = committed serial + 1, generation time now (PRELOAD_NOW when set) and
            expiry now + --validity. It is signed (SSH signature, namespace preload-list) and committed with
            its signature in one commit signed with the same key, through libgit2. Refused, with nothing
            written: a committed list that does not verify against list/allowed_signers, a signing key not
            in it, a serial not greater than the committed one. A run interrupted at any point leaves the
            branch at the old or the new commit; the next run (or --repair) puts the work tree right.
            Exit codes: 0 published; 1 refused; 64 usage; 70 internal error; 75 busy or raced, retry.
            """)

    @Option(name: .long, help: "Take the domains from this v1 list file (its serial and dates are ignored). Default: the committed list's.")
    var entries: String?

    @Option(name: .long, help: "A path inside the list repository.")
    var repo: String = "."

    @Option(name: .long, help: "Private key (PKCS#8 PEM). Default: env PRELOAD_SIGNING_KEY (a path, or the PEM itself).")
    var signingKey: String?

    @Option(name: .long, help: "How long the list stays valid: N followed by s, m, h, d or w.")
    var validity: ValidityDuration = ValidityDuration(seconds: 14 * 86400)

    @Flag(name: .long, help: "Publish the first list of a repository whose HEAD has none; writes list/allowed_signers from the key unless one exists.")
    var bootstrap = false

    @Option(name: .long, help: "Publisher name (default: the committed list's; required by --bootstrap without --entries).")
    var publisher: String?

    @Option(name: .long, help: "Use this serial instead of committed + 1 (must be greater).")
    var serial: UInt64?

    @Option(name: .long, help: "Commit author name (default: git config user.name).")
    var authorName: String?

    @Option(name: .long, help: "Commit author e-mail (default: git config user.email).")
    var authorEmail: String?

    @Flag(name: .long, help: "Only repair the work tree after an interrupted run; publish nothing.")
    var repair = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let crash: CrashPoints
        let now = try CommandClock().now()
        do {
            crash = try CrashPoints(environment: ProcessInfo.processInfo.environment)
        } catch {
            Console.err("preload publish: \(error)")
            throw Exit.usage
        }
        let key = try loadSigningKey()
        let publisherTool = ListPublisher(repositoryPath: repo, signingKey: key, crashPoints: crash)
        if repair {
            let paths = try await run { try await GitThread.run { try publisherTool.repair() } }
            switch output.format {
            case .json: try Console.printJSON(["repaired": paths])
            case .text: Console.out(paths.isEmpty ? "nothing to repair" : "repaired \(paths.joined(separator: ", "))")
            }
            return
        }
        var request = PublishRequest(entries: nil, now: now, validity: validity.seconds, publisher: publisher,
                                     serial: serial, bootstrap: bootstrap)
        if let authorName, let authorEmail {
            request.author = GitIdentity(name: authorName, email: authorEmail)
        } else if authorName != nil || authorEmail != nil {
            throw ValidationError("give both --author-name and --author-email")
        }
        if let entries {
            let data = try InputFile.read(entries, limit: 1 << 30)
            let loaded = try await run { try ListPublisher.entries(fromListFile: data) }
            request.entries = loaded.entries
            request.aliases = loaded.aliases
            if bootstrap, publisher == nil { request.publisher = loaded.publisher }
        }
        let finalRequest = request
        let result = try await run { try await publisherTool.publishInBackground(finalRequest) }
        switch output.format {
        case .json: try Console.printJSON(result)
        case .text:
            for path in result.repaired { Console.err("repaired \(path) from HEAD (an earlier run was interrupted)") }
            for warning in result.warnings { Console.err("warning: \(warning)") }
            Console.out("published serial \(result.serial) as \(result.commit) on \(result.branch)")
            Console.out("generated \(result.generated), expires \(result.expires), \(result.domains) domains")
            for line in result.summary { Console.out("  \(line)") }
        }
    }

    private func loadSigningKey() throws -> Ed25519PrivateKey {
        do {
            if let signingKey { return try KeyFiles.readPrivateKey(signingKey) }
            guard let env = ProcessInfo.processInfo.environment["PRELOAD_SIGNING_KEY"], !env.isEmpty else {
                throw ValidationError("no signing key: give --signing-key FILE or set PRELOAD_SIGNING_KEY")
            }
            return env.hasPrefix("-----BEGIN") ? try Ed25519PrivateKey(pkcs8PEM: env) : try KeyFiles.readPrivateKey(env)
        } catch let error as SigningError {
            Console.err("preload publish: signing key: \(error)")
            throw Exit.usage
        }
    }

    /// Maps publish failures to messages and exit codes.
    private func run<T>(_ body: () async throws -> T) async throws -> T {
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

/// `--validity`: a duration such as `14d`, `36h`, `90m`, `3600s` or `2w`.
struct ValidityDuration: ExpressibleByArgument, Sendable {
    let seconds: Int64

    init(seconds: Int64) { self.seconds = seconds }

    init?(argument: String) {
        guard let unit = argument.last, let n = Int64(argument.dropLast()), n > 0 else { return nil }
        let factor: Int64
        switch unit {
        case "s": factor = 1
        case "m": factor = 60
        case "h": factor = 3600
        case "d": factor = 86400
        case "w": factor = 7 * 86400
        default: return nil
        }
        guard n <= Int64.max / factor / 2 else { return nil }
        seconds = n * factor
    }

    var defaultValueDescription: String { "14d" }
}
