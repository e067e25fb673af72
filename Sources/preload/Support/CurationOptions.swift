import ArgumentParser
import Foundation
import PreloadCore
import PreloadCuration
import PreloadIDNA
import PreloadMail
import PreloadNetwork
import PreloadState

/// `--state DIR|URL`, shared by the curation commands.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The curation state: a directory holding the embedded SQLite state, or a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL (add ?sslmode=require for TLS with a verified certificate) for a PostgreSQL state that several machines share (env PRELOAD_STATE; default ./.preload).",
        valueName: "dir|url"))
    var state: String?

    /// `--state`, else `PRELOAD_STATE`, else `./.preload`: a directory, or a `postgres://` URL.
    var directory: String {
        state ?? ProcessInfo.processInfo.environment["PRELOAD_STATE"].flatMap { $0.isEmpty ? nil : $0 } ?? ".preload"
    }
}

/// `--smtp-relay HOST:PORT`, `--smtp-relay-name` and `--mail-from`, for the commands that send notifications.
struct NotificationOptions: ParsableArguments {
    @Option(name: .customLong("smtp-relay"), help: ArgumentHelp(
        "Send notifications through this SMTP relay (STARTTLS when offered, the certificate verified for HOST or --smtp-relay-name); an IPv6 address is written [ADDRESS]:PORT. Without it, notifications are only recorded in the state.",
        valueName: "host:port"))
    var smtpRelay: String?

    @Option(name: .customLong("smtp-relay-name"), help: ArgumentHelp(
        "The relay's TLS name: connect to --smtp-relay (e.g. an address) but verify the relay's certificate for this name, which is also sent as SNI.",
        valueName: "name"))
    var smtpRelayName: String?

    @Option(name: .customLong("mail-from"), help: ArgumentHelp("Sender address of notifications.", valueName: "address"))
    var mailFrom: String = "preload@localhost.localdomain"

    /// `--smtp-relay` as host (brackets removed) and port.
    static func relay(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil  // an IPv6 address needs brackets
        }
        return host.isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) ? nil : (String(host), port)
    }

    func validate() throws {
        if let relay = smtpRelay, Self.relay(relay) == nil {
            throw ValidationError("--smtp-relay must be HOST:PORT or [IPV6]:PORT, not '\(relay)'")
        }
        if let name = smtpRelayName {
            guard smtpRelay != nil else { throw ValidationError("--smtp-relay-name needs --smtp-relay") }
            guard (try? Composition.domain(name)) != nil else {
                throw ValidationError("--smtp-relay-name must be a host name, not '\(name)'")
            }
        }
        do { _ = try ContactAddress(mailFrom) } catch { throw ValidationError("--mail-from: \(error)") }
    }
}

/// `--challenge-expiry-days`, for the commands that issue challenges (`submit`, `remove`).
struct ChallengeOptions: ParsableArguments {
    @Option(name: .customLong("challenge-expiry-days"), help: ArgumentHelp(
        "How long a challenge issued now stays open: unproven after that, the pending submission or removal request expires, with an audit event (submission-expired, removal-expired).",
        valueName: "days"))
    var days: Int = LifecyclePolicy.defaults.challengeExpiryDays

    func validate() throws {
        guard (1...365).contains(days) else { throw ValidationError("--challenge-expiry-days must be 1 to 365, not \(days)") }
    }

    /// The lifecycle rules with this expiry.
    var policy: LifecyclePolicy {
        var policy = LifecyclePolicy.defaults
        policy.challengeExpiryDays = days
        return policy
    }
}

/// How the curation commands end on an operational failure.
enum Curation {
    /// Prints an operational failure and exits with its code.
    static func fail(_ error: any Error) -> ExitCode {
        switch error {
        case let e as CurationError:
            Console.err("preload: \(e)")
            switch e {
            case .rateLimited, .busy: return Exit.temporaryFailure
            case .corrupt, .publishFailed: return Exit.internalError
            }
        case let e as LifecycleRefusal:
            Console.err("preload: \(e)")
            return Exit.blocked
        case let e as ExitCode:
            return e
        default:
            Console.err("preload: \(error)")
            return Exit.internalError
        }
    }
}
