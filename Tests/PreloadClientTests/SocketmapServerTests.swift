import Foundation
import Logging
import NIOCore
import PreloadClient
import PreloadCore
import PreloadSocketmap
import PreloadTesting
import Testing

/// A resolver with fixed decisions and optional per-domain delays. Domains without a delay are answered
/// from memory (on the event loop, as the real resolver answers what it knows) unless `answersFromMemory` is off.
struct FakeResolver: PolicyResolving {
    var decisions: [String: TLSPolicyDecision] = [:]
    var delays: [String: Duration] = [:]
    var answersFromMemory = true

    func resolve(_ domain: DomainName) async -> TLSPolicyDecision {
        if let delay = delays[domain.value] { try? await Task.sleep(for: delay) }
        return decision(domain)
    }

    func resolveImmediately(_ domain: DomainName) -> TLSPolicyDecision? {
        guard answersFromMemory, delays[domain.value] == nil else { return nil }
        return decision(domain)
    }

    private func decision(_ domain: DomainName) -> TLSPolicyDecision {
        decisions[domain.value] ?? TLSPolicyDecision(domain: domain, source: .none, mode: .none, note: "unknown")
    }

    static let standard: FakeResolver = {
        func d(_ name: String, _ mode: STSMode, _ mx: [String], temp: String? = nil) -> (String, TLSPolicyDecision) {
            (name, TLSPolicyDecision(domain: try! DomainName(name), source: .preload, mode: mode,
                                     mx: mx.map { try! MXPattern($0) }, validUntil: Timestamp(secondsSince1970: 2_000_000_000),
                                     temporaryFailure: temp, note: "fake"))
        }
        var r = FakeResolver()
        r.decisions = Dictionary(uniqueKeysWithValues: [
            d("enforced.test", .enforce, ["mx.enforced.test", "*.mail.enforced.test"]),
            d("testing.test", .testing, ["mx.testing.test"]),
            d("slow.test", .enforce, ["mx.slow.test"]),
            d("deferred.test", .none, [], temp: "MTA-STS lookup failed: SERVFAIL"),
        ] + (0..<10).map { d("d\($0).test", .enforce, ["mx\($0).d\($0).test"]) })
        r.delays = ["slow.test": .milliseconds(300)]
        return r
    }()
}

let enforcedReply = "OK secure match=.mail.enforced.test:mx.enforced.test servername=hostname"

func startServer(_ configure: (inout SocketmapConfiguration) -> Void = { _ in },
                 resolver: any PolicyResolving = FakeResolver.standard) async throws -> SocketmapServer {
    var configuration = SocketmapConfiguration(listen: .tcp(host: "127.0.0.1", port: 0))
    configure(&configuration)
    var logger = Logger(label: "socketmap-test")
    logger.logLevel = .warning
    return try await SocketmapServer.start(configuration: configuration, resolver: resolver, logger: logger)
}

/// An empty Postfix configuration directory, so that `postmap -c` runs without a system main.cf.
private func postfixConfigDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-postmap-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try Data().write(to: dir.appendingPathComponent("main.cf"))
    return dir.path
}

// Serialized: the 1,000-connection test saturates both cores, and the others read with deadlines.
@Suite(.serialized) struct SocketmapServerTests {
    @Test func postmapQueriesLikePostfix() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let config = try postfixConfigDirectory()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let table = "socketmap:inet:127.0.0.1:\(port):postfix"

        let found = try await runCommand("/usr/sbin/postmap", ["-c", config, "-q", "enforced.test", table])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout == "secure match=.mail.enforced.test:mx.enforced.test servername=hostname\n")

        let bracketed = try await runCommand("/usr/sbin/postmap", ["-c", config, "-q", "[ENFORCED.test]:587", table])
        #expect(bracketed.stdout == found.stdout)

        for key in ["testing.test", "unknown.test", "[192.0.2.1]", ".enforced.test"] {
            let missing = try await runCommand("/usr/sbin/postmap", ["-c", config, "-q", key, table])
            #expect(missing.status == 1 && missing.stdout.isEmpty && missing.stderr.isEmpty, "\(key): \(missing)")
        }

        // TEMP is a lookup error for Postfix (it defers), not "not found".
        let deferred = try await runCommand("/usr/sbin/postmap", ["-c", config, "-q", "deferred.test", table])
        #expect(deferred.status != 0 && deferred.stdout.isEmpty)
        #expect(deferred.stderr.contains("SERVFAIL"))
        await server.shutdown()
    }

    @Test func postmapOverAUnixSocket() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("preload-\(UUID().uuidString.prefix(8)).sock").path
        // A stale socket left by an earlier run is replaced (NIO removes only sockets, never other files).
        let stale = try await runCommand("/usr/bin/python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path])
        #expect(stale.status == 0 && FileManager.default.fileExists(atPath: path))
        let server = try await startServer { $0.listen = .unix(path: path) }
        let config = try postfixConfigDirectory()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let found = try await runCommand("/usr/sbin/postmap", ["-c", config, "-q", "enforced.test", "socketmap:unix:\(path):postfix"])
        #expect(found.status == 0 && found.stdout == "secure match=.mail.enforced.test:mx.enforced.test servername=hostname\n")
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test func pipelinedRepliesKeepRequestOrder() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port)
            // One write, four requests; the first resolves last.
            try client.send(Netstring.encode("postfix slow.test") + Netstring.encode("postfix enforced.test")
                            + Netstring.encode("postfix nowhere.test") + Netstring.encode("other enforced.test"))
            return try (0..<4).map { _ in try client.readReply() }
        }
        #expect(replies == ["OK secure match=mx.slow.test servername=hostname", enforcedReply, "NOTFOUND ",
                            "PERM unknown map name"])
        await server.shutdown()
    }

    @Test func backPressureStillAnswersEverything() async throws {
        let server = try await startServer { $0.maxPipelined = 2 }
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port)
            var batch: [UInt8] = []
            for i in 0..<50 { batch += Netstring.encode(i % 5 == 0 ? "postfix slow.test" : "postfix d\(i % 10).test") }
            try client.send(batch)
            return try (0..<50).map { _ in try client.readReply() }
        }
        for (i, reply) in replies.enumerated() {
            let want = i % 5 == 0 ? "OK secure match=mx.slow.test servername=hostname"
                : "OK secure match=mx\(i % 10).d\(i % 10).test servername=hostname"
            #expect(reply == want, "reply \(i)")
        }
        await server.shutdown()
    }

    @Test func temporaryAndPermanentFailures() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port)
            return try ["postfix deferred.test", "nomap", "postfix [192.0.2.1]:25", "postfix testing.test"].map { try client.ask($0) }
        }
        #expect(replies == ["TEMP MTA-STS lookup failed: SERVFAIL", "PERM malformed request: expected NAME KEY", "NOTFOUND ",
                            "NOTFOUND "])
        await server.shutdown()
    }

    @Test(arguments: [
        ("oversized", "5000:"),
        ("oversized-complete", "3000:" + String(repeating: "a", count: 3000) + ","),
        ("not-a-length", "hello world"),
        ("leading-zero", "019:postfix example.com,"),
        ("no-terminator", "19:postfix enforced.test!"),
    ])
    func badFramingClosesTheConnection(name: String, bytes: String) async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 20)
            try client.send(bytes)
            return try client.repliesUntilClosed()
        }
        #expect(replies.isEmpty, "\(name)")
        // The server itself is unharmed.
        let after = try await onThread { try RawSocketClient(port: port).ask("postfix enforced.test") }
        #expect(after == enforcedReply)
        await server.shutdown()
    }

    @Test func requestsBeforeGarbageAreAnsweredThenClosed() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 20)
            try client.send(Netstring.encode("postfix slow.test") + Netstring.encode("postfix enforced.test") + Array("x:".utf8))
            return try client.repliesUntilClosed()
        }
        #expect(replies == ["OK secure match=mx.slow.test servername=hostname", enforcedReply])
        await server.shutdown()
    }

    @Test func aThousandConcurrentConnections() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let count = 1000
        let (wrong, open) = try await onThread {
            // Open them all first, then send on all, then read on all: all 1,000 are open and waiting at once.
            let clients = try (0..<count).map { _ in try RawSocketClient(port: port, timeoutSeconds: 30) }
            for (i, client) in clients.enumerated() { try client.sendRequest("postfix d\(i % 10).test") }
            var wrong = 0
            for (i, client) in clients.enumerated() {
                if try client.readReply() != "OK secure match=mx\(i % 10).d\(i % 10).test servername=hostname" { wrong += 1 }
            }
            return (wrong, clients.count)
        }
        #expect(open == count)
        #expect(wrong == 0)
        await server.shutdown()
        #expect(server.connectionCount == 0)
    }

    /// Shutdown answers what is in flight, then closes the connection without waiting out the grace period
    /// (an hour here: a shutdown that waited for it would hit the test's time limit).
    @Test(.timeLimit(.minutes(1))) func gracefulShutdownFinishesInFlightRequests() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let client = try await onThread {
            let client = try RawSocketClient(port: port)
            #expect(try client.ask("postfix enforced.test") == enforcedReply)  // the connection is established
            try client.sendRequest("postfix slow.test")  // 300 ms in flight
            return UncheckedBox(client)
        }
        try await Task.sleep(for: .milliseconds(50))
        await server.shutdown(gracePeriod: .seconds(3600))
        #expect(server.connectionCount == 0)
        let replies = try await onThread { try client.value.repliesUntilClosed() }
        #expect(replies == ["OK secure match=mx.slow.test servername=hostname"])
        // No new connections once stopped.
        let refused = try await onThread { () -> Bool in
            do { _ = try RawSocketClient(port: port); return false } catch { return true }
        }
        #expect(refused)
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try await startServer { $0.idleTimeout = .milliseconds(200) }
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 20)
            #expect(try client.ask("postfix enforced.test") == enforcedReply)
            return try client.repliesUntilClosed()
        }
        #expect(replies.isEmpty)
        await server.shutdown()
    }
}

/// Carries a value that is used by one thread at a time across a thread hop.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Collects log records.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [(Logger.Level, String, Logger.Metadata)] = []
    func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        lock.withLock { records.append((level, message, metadata)) }
    }
    var all: [(Logger.Level, String, Logger.Metadata)] { lock.withLock { records } }
}

struct CapturingLogHandler: LogHandler {
    let sink: CapturedLogs
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        sink.append(event.level, "\(event.message)", event.metadata ?? [:])
    }
}

@Suite struct SocketmapLoggingTests {
    @Test func eachDecisionIsLoggedAtDebugLevel() async throws {
        let sink = CapturedLogs()
        let logger = Logger(label: "capture") { _ in CapturingLogHandler(sink: sink) }
        var lookingUp = FakeResolver.standard
        lookingUp.answersFromMemory = false
        let responder = SocketmapResponder(resolver: lookingUp, logger: logger)
        guard case .resolve(let domain) = responder.prepare(ByteBuffer(string: "postfix enforced.test")) else {
            Issue.record("a domain key must be resolved")
            return
        }
        #expect(await responder.resolve(domain) == .found("secure match=.mail.enforced.test:mx.enforced.test servername=hostname"))
        #expect(responder.prepare(ByteBuffer(string: "postfix [192.0.2.1]")) == .immediate(.notFound))
        // Answers from memory are logged the same way.
        let fromMemory = SocketmapResponder(resolver: FakeResolver.standard, logger: logger)
        #expect(fromMemory.prepare(ByteBuffer(string: "postfix testing.test")) == .immediate(.notFound))
        let decisions = sink.all.filter { $0.1 == "socketmap decision" }
        #expect(decisions.count == 3)
        #expect(decisions.allSatisfy { $0.0 == .debug })
        #expect(decisions.first?.2["domain"] == "enforced.test")
        #expect(decisions.first?.2["answer"] == "OK")
        #expect(decisions[1].2["answer"] == "NOTFOUND")
        #expect(decisions.last?.2["domain"] == "testing.test" && decisions.last?.2["mode"] == "testing")
    }
}
