import ArgumentParser
import PreloadChecker
import Foundation
import PreloadCore
import PreloadCuration

/// `preload remove DOMAIN` (owner, by challenge) or `preload remove --force DOMAIN --reason TEXT` (maintainer).
struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a domain: by its owner through a DNS challenge, or by a maintainer with --force.",
        discussion: """
            Owner: the first run prints a challenge record (_preload-challenge.DOMAIN TXT \
            "preload-remove=TOKEN"); publish it and run the command again. A listed domain is dropped \
            at the next publish (state removal-requested), any other at once. 5 attempts per domain per day. \
            The challenge stays open 14 days (--challenge-expiry-days); unproven by then, the request \
            expires (audit event removal-expired) and the domain stays where it is.

            With --server URL (or PRELOAD_SERVER) the owner's steps go through a curation service (`preload serve`).

            Maintainer: --force --reason TEXT removes at once; the reason goes to the audit log.

            Exit codes: 0 challenge issued, awaiting it, or removal accepted; 1 nothing to remove; \
            64 usage; 69 state or network unavailable, or a state written by a newer preload; 75 rate limited.
            """)

    @Argument(help: "The mail domain.") var domain: String
    @Flag(name: .long, help: "Remove without a challenge (maintainers).") var force = false
    @Option(name: .long, help: "Why (required with --force).") var reason: String?

    @OptionGroup var options: OwnerStepOptions

    func validate() throws {
        if force, options.server.resolved != nil {
            throw ValidationError("--force works on the local state only, not with --server")
        }
        if force, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--force needs --reason TEXT")
        }
        if !force, reason != nil { throw ValidationError("--reason goes with --force") }
    }

    func run() async throws {
        if let server = options.server.resolved {
            return try await RemoteCommands.remove(server, domain: domain, format: options.output.format)
        }
        let name = try Composition.domain(domain)
        let clock = try CommandClock()
        let store = try await Composition.store(options.state)
        let outcome: RemovalOutcome
        do {
            if force {
                outcome = try await RemovalService(store: store, dns: NoDNS(), clock: clock)
                    .forceRemoval(of: name, reason: reason ?? "")
            } else {
                let dns = try await Composition.checker(options.network, clock: clock).dns
                outcome = try await RemovalService(store: store, dns: dns, clock: clock,
                                                   policy: options.challenge.policy)
                    .requestRemoval(of: name)
            }
        } catch {
            throw Curation.fail(error)
        }
        try Console.print(RemoveOutput(outcome: outcome, domain: name, reason: reason), options.output.format)
    }
}

/// A DNS port for the forced path, which never looks anything up.
private struct NoDNS: CheckerDNS {
    func mx(_ domain: DomainName) async -> DNSLookup<[MXRecord]> { .failed(.servfail("not used")) }
    func ipv4(_ host: DomainName) async -> DNSLookup<[String]> { .failed(.servfail("not used")) }
    func ipv6(_ host: DomainName) async -> DNSLookup<[String]> { .failed(.servfail("not used")) }
    func txt(_ name: String) async -> DNSLookup<[String]> { .failed(.servfail("not used")) }
}
