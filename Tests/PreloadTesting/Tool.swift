import Foundation

/// A failure of a test's set-up (a missing tool, a test bed that cannot be loaded): the test fails with it,
/// it is never skipped in silence.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A temporary directory removed when the value is released.
public final class ScratchDirectory: @unchecked Sendable {  // immutable after init
    public let path: String

    public init(_ label: String = "preload-test") throws {
        let base = FileManager.default.temporaryDirectory.path + "/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    public func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    public func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }
}

/// A fresh temporary directory `preload-LABEL-…`, which the caller removes.
public func temporaryDirectory(_ label: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

/// The result of a subprocess.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var signalled: Bool
    public var stdout: String
    public var stderr: String
}

/// Runs command-line tools (git, ssh-keygen, openssl, the built `preload`) and finds them: the one binary
/// locator of the tests.
public enum Tool {
    /// The repository's root directory (found from this file's path).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `executable` with `arguments`, feeding `stdin`; waits for it — at most `timeout` seconds when
    /// given, then kills it (the output then says `signalled`). The environment is the test's, without the
    /// variables that would change what `preload` and git do (`PRELOAD_NOW`, …), with `NO_COLOR`, a scratch
    /// `HOME` and `environment` added. The waiting happens on a thread of its own (``onThread(_:)``), never on
    /// the cooperative pool that the in-process servers of other tests need.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], cwd: String? = nil, stdin: [UInt8]? = nil,
                           environment: [String: String] = [:], timeout: Double? = nil) async throws -> ProcessOutput {
        let path = executable.hasPrefix("/") ? executable : try which(executable)
        return try await onThread {
            try runBlocking(path, arguments, cwd: cwd, stdin: stdin, environment: environment, timeout: timeout)
        }
    }

    /// The body of ``run(_:_:cwd:stdin:environment:timeout:)``: it blocks until the process ends.
    private static func runBlocking(_ executable: String, _ arguments: [String], cwd: String?, stdin: [UInt8]?,
                                    environment: [String: String], timeout: Double?) throws -> ProcessOutput {
        let scratch = try ScratchDirectory("preload-proc")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
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

    /// `name` found in `PATH` (or `name` itself when it is a path).
    public static func which(_ name: String) throws -> String {
        if name.hasPrefix("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else { throw TestSetupError("\(name) is not executable") }
            return name
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestSetupError("\(name) not found in PATH")
    }

    /// Whether `name` can be run (found in `PATH`, or an executable path).
    public static func isAvailable(_ name: String) -> Bool { (try? which(name)) != nil }

    /// Runs git in `repo`, failing the test set-up on a non-zero exit.
    @discardableResult
    public static func git(_ repo: String, _ arguments: String...) async throws -> String {
        let out = try await run("git", ["-C", repo] + arguments)
        guard out.status == 0 else { throw TestSetupError("git \(arguments.joined(separator: " ")): \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The built `preload` executable: `PRELOAD_BINARY`, else beside the test bundle, else
    /// `.build/debug/preload` of this repository. `swift build --build-tests` always builds it, so a missing
    /// binary fails the test (it is never a reason to skip).
    public static func preloadBinary() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["PRELOAD_BINARY"], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw TestSetupError("PRELOAD_BINARY=\(explicit) is not an executable")
            }
            return explicit
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("preload").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let fromSource = repositoryRoot.appendingPathComponent(".build/debug/preload").path
        if FileManager.default.isExecutableFile(atPath: fromSource) { return fromSource }
        throw TestSetupError("the preload executable was not found; run `swift build --build-tests` first or set PRELOAD_BINARY")
    }
}

/// Runs `body`, then `cleanup`, whether `body` returned or threw: a `defer` whose clean-up can await (a
/// clean-up that runs processes waits for them off the cooperative pool, which a `defer` cannot).
public func withCleanup(isolation: isolated (any Actor)? = #isolation, _ cleanup: () async -> Void,
                        _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
}

/// Waits until `process` has exited, on a thread of its own (``onThread(_:)``), never on the cooperative pool.
public func waitForExit(_ process: Process) async {
    _ = try? await onThread { process.waitUntilExit() }
}
