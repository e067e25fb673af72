import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// A `preload serve` process started from the built binary on a free loopback port, against the test bed's
/// DNS and CA, with its own state directory.
final class ServeProcess: @unchecked Sendable {  // immutable after init but for the process handle
    let process: Process
    let url: String
    let scratch: ScratchDirectory
    let state: String
    let stderrPath: String

    /// Starts `preload serve ARGS --listen 127.0.0.1:0 --state STATE` and waits until it listens.
    init(_ label: String, arguments: [String], state: String? = nil, environment: [String: String] = [:]) async throws {
        let bed = try await NetTestBed.shared
        scratch = try ScratchDirectory(label)
        self.state = state ?? scratch.file("state")
        stderrPath = scratch.file("serve.err")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Tool.preloadBinary())
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--state", self.state, "--timeout", PreloadCLI.stepTimeout] + arguments
        var env = ProcessInfo.processInfo.environment
        env["PRELOAD_NOW"] = nil
        env["PRELOAD_DNS"] = bed.dns.server
        env["PRELOAD_CA_FILE"] = bed.caFile
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var found: String? = nil
        for _ in 0..<400 {
            let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: "serving on ") {
                found = String(text[range.upperBound...].prefix { $0 != " " && $0 != "\n" })
                break
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            throw TestBedError("preload serve did not start: \((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")")
        }
        url = found
    }

    /// What the server wrote on stderr (its log).
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for the exit status (off the cooperative pool).
    @discardableResult
    func stop() async -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        await waitForExit(process)
        return process.terminationStatus
    }

    /// SIGKILL: no chance to finish anything.
    func kill9() async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        await waitForExit(process)
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// One HTTP exchange, as curl saw it (an independent client), recorded for tools/serve/openapi-check.
struct HTTPExchange: Codable, Sendable {
    var method: String
    var path: String
    var status: Int
    var headers: [String: String]
    var body: String

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A curl-driven client of one server that records every exchange.
final class ServeClient: @unchecked Sendable {  // the log is guarded by a lock
    let base: String
    private let lock = NSLock()
    private(set) var exchanges: [HTTPExchange] = []
    private var counter = 0

    /// Extra curl arguments for every request (`--cacert` for HTTPS).
    let curlOptions: [String]

    init(_ base: String, curlOptions: [String] = []) {
        self.base = base
        self.curlOptions = curlOptions
    }

    /// A fresh client address for X-Forwarded-For (the server trusts 127.0.0.1 as a proxy in these tests), so
    /// per-client limits only bite where a test means them to.
    func freshClient() -> String {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return "198.51.100.\(counter % 250 + 1)"  // never connected to: only a header value
    }

    /// Sends one request with curl and records it.
    @discardableResult
    func send(_ method: String, _ path: String, json: String? = nil, body: [UInt8]? = nil, contentType: String? = nil,
              headers: [String: String] = [:], client: String? = nil) async throws -> HTTPExchange {
        let scratch = try ScratchDirectory("preload-curl")
        var args = ["-s", "-S", "--max-time", "90", "-X", method, "-D", scratch.file("h"), "-o", scratch.file("b"),
                    "-w", "%{http_code}", "-H", "X-Forwarded-For: \(client ?? freshClient())"] + curlOptions
        if method == "HEAD" { args = args.filter { $0 != "-X" && $0 != "HEAD" } + ["-I"] }
        for (k, v) in headers { args += ["-H", "\(k): \(v)"] }
        if let json {
            try scratch.write("in", json)
            args += ["-H", "Content-Type: \(contentType ?? "application/json")", "--data-binary", "@" + scratch.file("in")]
        } else if let body {
            try scratch.write("in", bytes: body)
            args += ["-H", "Content-Type: \(contentType ?? "application/octet-stream")", "--data-binary", "@" + scratch.file("in")]
        }
        args.append(base + path)
        let out = try await Tool.run("curl", args)
        guard out.status == 0, let status = Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestBedError("curl \(method) \(path): \(out.stderr)")
        }
        var headerMap: [String: String] = [:]
        let raw = (try? String(contentsOfFile: scratch.file("h"), encoding: .utf8)) ?? ""
        for line in raw.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headerMap[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyText = (try? String(contentsOfFile: scratch.file("b"), encoding: .utf8)) ?? ""
        let exchange = HTTPExchange(method: method, path: path, status: status, headers: headerMap, body: bodyText)
        lock.withLock { exchanges.append(exchange) }
        return exchange
    }

    /// ``send(_:_:json:body:contentType:headers:client:)``, which waits for curl on a thread of its own.
    func sendInBackground(_ method: String, _ path: String, json: String? = nil) async throws -> HTTPExchange {
        try await send(method, path, json: json)
    }

    /// Writes the log as JSON lines, followed by the logs of `others` (clients of other servers whose
    /// exchanges are checked together with these).
    func writeLog(to path: String, with others: [ServeClient] = []) throws {
        let encoder = JSONEncoder()
        let all = exchanges + others.flatMap(\.exchanges)
        let lines = try all.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// Domains made up for one test in the test bed's DNS (unique names, removed afterwards).
final class TestBedNames: @unchecked Sendable {
    let bed: NetTestBed
    private var names: [String] = []

    init(_ bed: NetTestBed) { self.bed = bed }

    /// A unique domain name under `.test` starting with `prefix`.
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased()).test" }

    /// `testbed dns-add NAME TYPE DATA`, remembered for ``removeAll()``.
    func add(_ name: String, _ type: String, _ data: String) async throws {
        guard try await bed.run(["dns-add", name, type, data]) == 0 else {
            throw TestBedError("testbed dns-add \(name) \(type) \(data) failed")
        }
        names.append(name)
    }

    /// A domain whose MX is the test bed's good MX host (valid certificate, STARTTLS).
    func mailDomain(_ prefix: String) async throws -> String {
        let name = Self.unique(prefix)
        let host = try bed.domain("good.test").mx[0].host
        try await add(name, "MX", "10 \(host).")
        return name
    }

    func removeAll() async {
        for name in Set(names) { _ = try? await bed.run(["dns-remove", name]) }
    }

    /// Runs `body`, then removes every name added, whether `body` threw or not.
    func removingAfterwards(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await removeAll()
            throw error
        }
        await removeAll()
    }
}

extension NetTestBed {
    /// `serve` arguments that send mail through the test bed's Postfix (`mx.notify.test`, by address and
    /// verified for its name).
    func relayArguments() throws -> [String] {
        let relay = try #require(try domain(notifyDomain).mx.first)
        let address = try #require(relay.addresses.first)
        return ["--smtp-relay", "\(address):\(smtpPort)", "--smtp-relay-name", relay.host, "--mail-from", "preload@preload.invalid"]
    }

    /// The confirmation code of the newest confirmation mail to `address` (waits for Postfix).
    func confirmationCode(to address: String) async throws -> String {
        let mail = try #require(try await waitForMail(containing: "To: \(address)"), "no confirmation mail to \(address)")
        let words = mail.split(whereSeparator: { $0.isWhitespace || $0 == "=" }).map(String.init)
        return try #require(words.first { $0.count == 32 && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() })
    }
}

/// The repository's root (for tools/ and policy-schema/).
enum RepositoryRoot {
    static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }
}
