import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// `kill -9` of `preload serve` in the middle of concurrent submissions: afterwards the state is
/// consistent (SQLite integrity, and for every domain either nothing at all or a pending submission with
/// its one open challenge, its audit event and its validation), every submission the server acknowledged
/// (202) survived, and a restarted server takes the submissions up again.
@Suite("preload serve kill -9", .serialized) struct ServeKillTests {
    @Test("kill -9 during submissions leaves nothing half-done")
    func killDuringSubmissions() async throws {
        let bed = try await NetTestBed.shared
        let names = TestBedNames(bed)
        var domains: [String] = []
        for _ in 0..<16 { domains.append(try await names.mailDomain("serve-kill")) }
        let stateDir = try ScratchDirectory("serve-kill-state")
        let arguments = ["--allow-private-targets", "--max-checks", "2", "--submission-limit", "100/h", "--write-limit", "1000/h"]
        var acknowledged: Set<String> = []
        // Three rounds, killed at different moments of the checks and writes.
        for (round, delay) in [150, 400, 700].enumerated() {
            let server = try await ServeProcess("serve-kill-\(round)", arguments: arguments, state: stateDir.file("state"))
            let c = ServeClient(server.url)
            let results = SubmissionResults()
            var tasks: [Task<Void, Never>] = []
            for domain in domains {
                // Each request's curl is waited for on a thread of its own (Tool.run), so they all run at once.
                tasks.append(Task {
                    let r = try? await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(domain)","contact":"owner@notify.test"}"#)
                    results.add(domain, r?.status)
                })
            }
            try await Task.sleep(for: .milliseconds(delay))
            await server.kill9()
            while results.count < domains.count { try await Task.sleep(for: .milliseconds(20)) }
            acknowledged.formUnion(results.accepted)
            print("serve kill -9 round \(round) after \(delay) ms: \(results.accepted.count) of \(domains.count) submissions acknowledged")

            let check = try await Tool.run("python3", ["-c", Self.consistency, stateDir.file("state/state.sqlite")] + domains)
            #expect(check.status == 0, "round \(round): \(check.stdout)\(check.stderr)")
            // Every acknowledged submission is in the state.
            let pending = Set(check.stdout.split(separator: "\n").filter { $0.hasPrefix("pending ") }.map { String($0.dropFirst(8)) })
            #expect(acknowledged.isSubset(of: pending), "acknowledged \(acknowledged.sorted()), pending \(pending.sorted())")
        }

        // A restarted server serves the same state and takes every submission up (new or still pending).
        let server = try await ServeProcess("serve-kill-after", arguments: arguments, state: stateDir.file("state"))
        try await withCleanup({ _ = await server.stop() }) {
            let c = ServeClient(server.url)
            for domain in domains {
                let r = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(domain)","contact":"owner@notify.test"}"#)
                #expect(r.status == 202, "\(domain): \(r.body)")
                #expect(try await c.send("GET", "/api/v1/domains/\(domain)").json["state"] as? String == "pending-verification")
            }
            #expect(await server.stop() == 0)
            let check = try await Tool.run("python3", ["-c", Self.consistency, stateDir.file("state/state.sqlite")] + domains)
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            #expect(check.stdout.split(separator: "\n").filter { $0.hasPrefix("pending ") }.count == domains.count)
            await names.removeAll()
        }
    }

    /// Checks the state with Python's sqlite3 (independent of the Swift code): integrity, and per domain
    /// either no trace or a complete pending submission. Prints `pending D` or `none D`; exits 1 on a problem.
    static let consistency = #"""
        import sqlite3, sys
        db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
        problems = []
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok": problems.append("integrity_check: " + ok)
        for d in sys.argv[2:]:
            row = db.execute("SELECT state FROM domain WHERE name = ?", (d,)).fetchone()
            open_ch = db.execute("SELECT COUNT(*) FROM challenge WHERE domain = ? AND purpose = 'submit' AND status = 'open'", (d,)).fetchone()[0]
            events = db.execute("SELECT COUNT(*) FROM audit_event WHERE domain = ? AND reason IN ('submitted', 'resubmitted')", (d,)).fetchone()[0]
            vals = db.execute("SELECT COUNT(*) FROM validation WHERE domain = ?", (d,)).fetchone()[0]
            if row is None:
                if open_ch or events or vals: problems.append(f"{d}: no domain row but {open_ch} challenges, {events} events, {vals} validations")
                print("none", d)
            else:
                if row[0] != "pending-verification": problems.append(f"{d}: state {row[0]}")
                if open_ch != 1: problems.append(f"{d}: {open_ch} open challenges")
                if events < 1: problems.append(f"{d}: no submitted event")
                if vals < 1: problems.append(f"{d}: no validation")
                print("pending", d)
        for p in problems: print("PROBLEM", p)
        sys.exit(1 if problems else 0)
        """#
}

/// Statuses of concurrent submissions (nil: the connection died with the server).
final class SubmissionResults: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [String: Int?] = [:]
    func add(_ domain: String, _ status: Int?) { lock.lock(); statuses[domain] = status; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return statuses.count }
    var accepted: Set<String> { lock.lock(); defer { lock.unlock() }; return Set(statuses.filter { $0.value == 202 }.keys) }
}
