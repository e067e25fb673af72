import Foundation
import PreloadCore
import PreloadSigning

/// A failure of the test set-up itself.
struct SignTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary directory removed when the value is released.
final class ScratchDirectory: @unchecked Sendable {  // immutable after init
    let path: String

    init(_ label: String = "preload-sign") throws {
        let base = FileManager.default.temporaryDirectory.path + "/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }
}

/// The result of a subprocess.
struct ProcessOutput {
    var status: Int32
    var signalled: Bool
    var stdout: String
    var stderr: String
}

/// Runs command-line tools (git, ssh-keygen, the built `preload`): the independent checks.
enum Tool {
    /// Runs `executable` with `arguments`, feeding `stdin`; waits for it — at most `timeout` seconds when
    /// given, then kills it (the output then says `signalled`).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], cwd: String? = nil, stdin: [UInt8]? = nil,
                    environment: [String: String] = [:], timeout: Double? = nil) throws -> ProcessOutput {
        let scratch = try ScratchDirectory("preload-proc")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var env = ProcessInfo.processInfo.environment
        for key in ["PRELOAD_NOW", "PRELOAD_CRASH_AT", "PRELOAD_SIGNING_KEY", "GIT_DIR", "GIT_WORK_TREE"] {
            env[key] = nil
        }
        env["NO_COLOR"] = "1"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["HOME"] = scratch.path
        for (k, v) in environment { env[k] = v }
        process.environment = env
        _ = FileManager.default.createFile(atPath: scratch.file("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: scratch.file("err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("err")))
        if let stdin {
            try scratch.write("in", bytes: stdin)
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: scratch.file("in")))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: try scratch.read("out"), as: UTF8.self),
            stderr: String(decoding: try scratch.read("err"), as: UTF8.self))
    }

    static func which(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SignTestError("\(name) not found in PATH")
    }

    /// Runs git in `repo`, failing the test set-up on a non-zero exit.
    @discardableResult
    static func git(_ repo: String, _ arguments: String...) throws -> String {
        let out = try run("git", ["-C", repo] + arguments)
        guard out.status == 0 else { throw SignTestError("git \(arguments.joined(separator: " ")): \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The built `preload` executable: `PRELOAD_BINARY`, else beside the test bundle (`.build/debug/preload`).
    static func preloadBinary() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["PRELOAD_BINARY"] { return explicit }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("preload").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/preload").path
        if FileManager.default.isExecutableFile(atPath: fromSource) { return fromSource }
        throw SignTestError("the preload executable was not found; run `swift build` first or set PRELOAD_BINARY")
    }
}

/// Fixtures for signing and publishing tests.
enum SignFixtures {
    static let t0 = Timestamp(rfc3339: "2026-12-01T00:00:00Z")!

    /// A new git repository (branch main) with a committer identity, in `scratch/name`.
    static func repository(in scratch: ScratchDirectory, _ name: String = "repo") throws -> String {
        let path = scratch.file(name)
        try Tool.run("git", ["init", "-q", "-b", "main", path])
        try Tool.git(path, "config", "user.name", "List Test")
        try Tool.git(path, "config", "user.email", "list-test@example.org")
        return path
    }

    /// A key written as `scratch/name` (+ `.pub`).
    static func key(in scratch: ScratchDirectory, _ name: String) throws -> Ed25519PrivateKey {
        let key = try Ed25519PrivateKey.generate()
        try KeyFiles.writeNewKeyPair(key, comment: name, to: scratch.file(name))
        return key
    }

    /// An entry for `domain` with MX `mx.<domain>` (or an alias).
    static func entry(_ domain: String, _ mode: ListMode = .enforce, at time: Timestamp = t0) throws -> ListEntry {
        ListEntry(domain: try DomainName(domain),
                  policy: .patterns(mode: mode, mx: [try MXPattern("mx." + domain)]),
                  provenance: Provenance(method: .manual, added: time, verified: time))
    }

    /// `count` synthetic entries.
    static func entries(_ count: Int, prefix: String = "d") throws -> [ListEntry] {
        try (0..<count).map { try entry("\(prefix)\($0).example") }
    }
}
