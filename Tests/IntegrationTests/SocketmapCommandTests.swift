import Foundation
import PreloadTesting
import Testing

/// Runs `preload ARGS` with `environment` added, giving it `seconds` to exit; `nil` status when it was still
/// running then (it is stopped).
private func runBriefly(_ arguments: [String], environment: [String: String], seconds: Double = 10) async throws
    -> (status: Int32?, stdout: String, stderr: String)
{
    let executable = try Tool.preloadBinary()
    return try await onThread { try runBrieflyBlocking(executable, arguments, environment: environment, seconds: seconds) }
}

/// The body of ``runBriefly(_:environment:seconds:)``: it blocks while the process runs.
private func runBrieflyBlocking(_ executable: String, _ arguments: [String], environment: [String: String], seconds: Double) throws
    -> (status: Int32?, stdout: String, stderr: String)
{
    let scratch = try ScratchDirectory("socketmap-cli")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = scratch.file("out"), err = scratch.file("err")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { usleep(50_000) }
    var status: Int32?
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
    } else {
        status = process.terminationStatus
    }
    let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
    return (status, read(out), read(err))
}

@Suite struct SocketmapCommandTests {
    /// The long-running daemon refuses a fixed clock instead of answering at a frozen time for months.
    @Test func preloadNowIsRefused() async throws {
        let scratch = try ScratchDirectory("socketmap-now")
        let keygen = try await Tool.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", scratch.file("key")])
        #expect(keygen.status == 0)
        let port = Int.random(in: 28000..<30000)
        let run = try await runBriefly(["socketmap", "--listen", "127.0.0.1:\(port)", "--state", scratch.file("state"),
                                        "--key", scratch.file("key.pub"), "--no-mta-sts"],
                                       environment: ["PRELOAD_NOW": "2026-12-01T00:00:00Z"])
        #expect(run.status == 64, "the daemon started with PRELOAD_NOW set: \(run.stderr)")
        #expect(run.stderr.contains("PRELOAD_NOW"))
    }

    /// `--help` paragraphs are written as single lines that argument-parser wraps: at a wide terminal each
    /// paragraph is one line, with no break where the source happened to end a line.
    @Test func helpParagraphsAreNotBrokenByHand() async throws {
        let run = try await runBriefly(["socketmap", "--help"], environment: ["COLUMNS": "2000"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let starts = ["Postfix: smtp_tls_policy_maps", "Answers come from memory", "With --metrics-listen",
                      "The daemon always runs on the system clock", "Exit codes:"]
        for start in starts {
            let line = lines.first { $0.hasPrefix(start) }
            #expect(line != nil, "no line starts with '\(start)'")
            // The paragraph ends on the same line: with a full stop, after its last words.
            #expect(line?.hasSuffix(".") == true, "'\(start)…' is broken across lines: \(line ?? "")")
        }
        #expect(lines.contains { $0.contains("NOTFOUND for none (and for testing), TEMP when the MTA-STS lookup fails") })
        #expect(run.stdout.contains("--request-timeout") && run.stdout.contains("--metrics-listen"))
    }
}
