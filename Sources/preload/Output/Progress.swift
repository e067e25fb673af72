import Foundation

/// A one-line progress display on stderr, only when stderr is a terminal.
final class Progress: Sendable {
    static func onTTY() -> Progress? { isatty(STDERR_FILENO) != 0 ? Progress() : nil }

    func show(_ done: Int, _ total: Int) {
        FileHandle.standardError.write(Data("\r\u{1B}[Kvalidating \(done)/\(total)".utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}
