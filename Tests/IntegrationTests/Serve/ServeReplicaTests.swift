import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// Two `preload serve` processes (replicas, as behind a load balancer) on one PostgreSQL state in the test
/// bed's cluster: the same domain submitted through both at once gives one pending submission with one
/// challenge, whose value both answers carry (the database, checked with psql, holds one challenge row); and
/// a submission through one replica reaches the other's cached status answer through the commit counter, so
/// that both then answer the same.
@Suite("preload serve replicas on one PostgreSQL state", .serialized) struct ServeReplicaTests {
    static let rounds = 5
    /// How long a replica may take to see the other's write: the counter is polled every 0.25 s; this is
    /// room for a loaded machine, not a bound being measured.
    static let patience: Duration = .seconds(10)

    @Test("concurrent submissions through two replicas make one challenge, and both replicas answer alike")
    func replicas() async throws {
        let bed = try await NetTestBed.shared
        let state = try await bed.freshPostgresDatabase("replicas")
        let database = try #require(state.split(separator: "/").last.map(String.init))
        let names = TestBedNames(bed)
        let arguments = ["--allow-private-targets", "--trusted-proxy", "127.0.0.1", "--read-limit", "1000/min"]
        let first = try await ServeProcess("serve-replica-a", arguments: arguments, state: state)
        try await withCleanup({ _ = await first.stop() }) {
            let second = try await ServeProcess("serve-replica-b", arguments: arguments, state: state)
            try await withCleanup({ _ = await second.stop() }) {
                let clients = [ServeClient(first.url), ServeClient(second.url)]
                try await names.removingAfterwards {
                    try await concurrentSubmissions(clients, bed: bed, database: database, names: names)
                    try await statusAgrees(clients, names: names)
                }
                #expect(await first.stop() == 0)
                #expect(await second.stop() == 0)
                #expect(!first.log.contains("@notify.test") && !second.log.contains("@notify.test"))
            }
        }
    }

    /// The zone-file line of the open challenge in a status answer ("" when none).
    func record(_ status: HTTPExchange) -> String { (status.json["challenge"] as? [String: Any])?["record"] as? String ?? "" }

    func submission(_ domain: String) -> String { #"{"domain":"\#(domain)","contact":"owner@notify.test"}"# }

    /// (a) Every round: a fresh eligible domain, POSTed through both replicas at the same time.
    func concurrentSubmissions(_ clients: [ServeClient], bed: NetTestBed, database: String, names: TestBedNames) async throws {
        for round in 1...Self.rounds {
            let domain = try await names.mailDomain("serve-replica")
            async let viaFirst = clients[0].sendInBackground("POST", "/api/v1/submissions", json: submission(domain))
            async let viaSecond = clients[1].sendInBackground("POST", "/api/v1/submissions", json: submission(domain))
            let answers = try await [viaFirst, viaSecond]
            for answer in answers {
                #expect(answer.status == 202, "round \(round): \(answer.body)")
                #expect(answer.json["state"] as? String == "pending", "round \(round): \(answer.body)")
            }
            let values = answers.map { ($0.json["challenge"] as? [String: Any])?["value"] as? String }
            #expect(values[0] != nil && values[0] == values[1], "round \(round): challenges \(values)")
            #expect(try await bed.psql(database, "SELECT COUNT(*) FROM challenge WHERE domain = '\(domain)'") == "1", "round \(round)")
            let stored = try await bed.psql(database, "SELECT token FROM challenge WHERE domain = '\(domain)' AND status = 'open'")
            #expect(!stored.isEmpty && values[0]?.contains(stored) == true, "round \(round): \(stored) vs \(values)")
            #expect(try await bed.psql(database, "SELECT state FROM domain WHERE name = '\(domain)'") == "pending-verification", "round \(round)")
            // Both replicas now answer the same pending state with that challenge.
            var statuses: [HTTPExchange] = []
            for c in clients { statuses.append(try await c.send("GET", "/api/v1/domains/\(domain)")) }
            #expect(statuses.allSatisfy { $0.status == 200 })
            #expect(NSDictionary(dictionary: statuses[0].json).isEqual(to: statuses[1].json), "round \(round): \(statuses.map(\.body))")
            #expect(record(statuses[0]).contains(values[0] ?? "-"), "round \(round): \(statuses[0].body)")
        }
    }

    /// (b) A replica that has "unknown" cached for a domain sees a submission made through the other replica,
    /// and then both give the same answer; in both directions.
    func statusAgrees(_ clients: [ServeClient], names: TestBedNames) async throws {
        for (writer, reader) in [(0, 1), (1, 0), (0, 1), (1, 0)] {
            let domain = try await names.mailDomain("serve-replica-status")
            for _ in 0..<3 {
                for c in clients { #expect(try await c.send("GET", "/api/v1/domains/\(domain)").json["state"] as? String == "unknown") }
            }
            let submitted = try await clients[writer].send("POST", "/api/v1/submissions", json: submission(domain))
            #expect(submitted.status == 202, "\(submitted.body)")
            let token = (submitted.json["challenge"] as? [String: Any])?["value"] as? String
            // The writer's own answer changes at once; the reader's once it has read the commit counter.
            #expect(try await clients[writer].send("GET", "/api/v1/domains/\(domain)").json["state"] as? String == "pending-verification")
            let deadline = ContinuousClock.now + Self.patience
            var seen = try await clients[reader].send("GET", "/api/v1/domains/\(domain)")
            while seen.json["state"] as? String == "unknown" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                seen = try await clients[reader].send("GET", "/api/v1/domains/\(domain)")
            }
            #expect(seen.json["state"] as? String == "pending-verification", "replica \(reader) still answers \(seen.body)")
            #expect(record(seen).contains(token ?? "-"), "\(seen.body)")
            let own = try await clients[writer].send("GET", "/api/v1/domains/\(domain)")
            #expect(NSDictionary(dictionary: own.json).isEqual(to: seen.json), "\(own.body) vs \(seen.body)")
        }
    }
}
