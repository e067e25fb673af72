import ArgumentParser
import Foundation

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// `--format text|json`, shared by every command that prints a result.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text (for people) or json (stable keys, sorted).")
    var format: OutputFormat = .text
}

/// Exit codes, as documented in `--help` and README.
enum Exit {
    static let success = ExitCode(0)
    /// Findings that block: invalid, ineligible, verification refused.
    static let blocked = ExitCode(1)
    /// Warnings only, where a command distinguishes them.
    static let warnings = ExitCode(2)
    static let usage = ExitCode(64)
    static let unavailable = ExitCode(69)
    static let internalError = ExitCode(70)
    static let temporaryFailure = ExitCode(75)
    /// A configuration file cannot be used (sysexits' EX_CONFIG): `serve --tls-cert/--tls-key`.
    static let configuration = ExitCode(78)
}

/// Writes results to stdout and diagnostics to stderr.
enum Console {
    /// Prints an encodable value as JSON with sorted keys, then a newline.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints a line to stdout.
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints a line to stderr.
    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Whether colour may be used on stdout: a TTY and no `NO_COLOR`.
    static var useColor: Bool {
        isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Wraps `text` in an ANSI colour when colour is on.
    static func color(_ text: String, _ code: String) -> String {
        useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Results kept alive until the process exits. A verified list of a million domains is a few million
/// objects; freeing them one by one just before `exit` only delays it (about 0.1 s).
enum KeptUntilExit {
    nonisolated(unsafe) private static var values: [Any] = []
    /// Keeps `value` (call it once the result is printed, from the command's own task).
    static func keep(_ value: Any) { values.append(value) }
}
