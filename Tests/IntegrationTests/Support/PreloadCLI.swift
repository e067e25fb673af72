import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// The built `preload` binary driven against the test bed with one state directory, one list repository and
/// one signing key, as an operator would run it (`PRELOAD_NOW` moves the clock).
struct PreloadCLI {
    let binary: String
    let bed: NetTestBed
    let scratch: ScratchDirectory
    /// The state: a directory in the scratch directory, or a new database of the test bed's PostgreSQL.
    let state: String
    var repo: String { scratch.file("repo") }
    var key: String { scratch.file("signing.key") }

    /// A fresh state directory, a fresh git repository (`git init` through the CLI) and `preload keygen`.
    init(_ label: String, postgres: Bool = false) async throws {
        binary = try Tool.preloadBinary()
        bed = try await NetTestBed.shared
        scratch = try ScratchDirectory(label)
        state = postgres ? try await bed.freshPostgresDatabase("cli") : scratch.file("state")
        _ = try await SignFixtures.repository(in: scratch, "repo")
        let keygen = try await Tool.run(binary, ["keygen", "--out", key, "--comment", "life-test"])
        guard keygen.status == 0 else { throw SignTestError("keygen: \(keygen.stderr)") }
    }

    /// Runs `preload ARGS` at `now`, with the test bed's DNS and CA and this state directory.
    @discardableResult
    func run(_ arguments: [String], at now: Timestamp, environment: [String: String] = [:]) async throws -> ProcessOutput {
        var env = ["PRELOAD_NOW": now.rfc3339, "PRELOAD_DNS": bed.dns.server, "PRELOAD_CA_FILE": bed.caFile,
                   "PRELOAD_STATE": state]
        for (k, v) in environment { env[k] = v }
        return try await Tool.run(binary, arguments, environment: env)
    }

    /// Runs `preload ARGS --format json` at `now` and parses its stdout as a JSON object.
    func json(_ arguments: [String], at now: Timestamp) async throws -> (ProcessOutput, [String: Any]) {
        let out = try await run(arguments + ["--format", "json"], at: now)
        let object = (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String: Any] ?? [:]
        return (out, object)
    }

    /// The `--timeout` the tests give the built binary's network steps against healthy test-bed servers: the
    /// checker scenario test's deadline, since a loaded machine can take seconds to start an `smtpd` and send
    /// its banner.
    static let stepTimeout = String(Int(CheckerIntegrationTests.stepTimeout))

    /// `validate-all` publishing into this repository with this key.
    func validateAll(at now: Timestamp, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> ProcessOutput {
        try await run(["validate-all", "--repo", repo, "--signing-key", key, "--bootstrap", "--publisher", "life@example.org",
                       "--timeout", Self.stepTimeout, "--format", "json"] + extra, at: now, environment: environment)
    }

    /// The state code `preload status D` reports.
    func state(of domain: String, at now: Timestamp) async throws -> String? {
        try await json(["status", domain], at: now).1["state"] as? String
    }

    /// `preload events --domain D` as (from, to, reason) triples, oldest first as printed.
    func events(_ domain: String, at now: Timestamp) async throws -> [(from: String?, to: String, reason: String)] {
        let (_, object) = try await json(["events", "--domain", domain], at: now)
        return (object["events"] as? [[String: Any]] ?? []).map {
            ($0["from"] as? String, $0["to"] as? String ?? "", $0["reason"] as? String ?? "")
        }
    }

    /// The domains of the committed list at HEAD (read with `git show`), or `nil` when nothing is committed.
    func committedDomains() async throws -> [String]? {
        let out = try await Tool.run("git", ["-C", repo, "show", "HEAD:list/preload.json"])
        guard out.status == 0,
              let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any],
              let domains = object["domains"] as? [String: Any] else { return nil }
        return domains.keys.sorted()
    }

    /// `preload list verify` of the work tree's list against `list/allowed_signers`; returns its JSON.
    func verifyList(at now: Timestamp) async throws -> (ProcessOutput, [String: Any]) {
        try await json(["list", "verify", repo + "/list/preload.json", "--allowed-signers", repo + "/list/allowed_signers"], at: now)
    }

    /// Number of commits on HEAD (`git rev-list --count`).
    func commitCount() async throws -> Int {
        let out = try await Tool.run("git", ["-C", repo, "rev-list", "--count", "HEAD"])
        return out.status == 0 ? Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 : 0
    }
}
