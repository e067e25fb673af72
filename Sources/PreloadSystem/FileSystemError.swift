import Foundation

/// A failure of our own file handling (not a finding about a list or a domain): what we were doing, with
/// the path, and the system's reason.
public struct FileSystemError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed, with the path (`write /var/lib/preload/serial`).
    public var operation: String
    /// The system's reason (`strerror`), or empty when `operation` says it all.
    public var reason: String

    /// An error about `operation` for `reason`.
    public init(_ operation: String, reason: String = "") {
        self.operation = operation
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? operation : "\(operation): \(reason)" }

    /// The current `errno` as an error about `operation`.
    public static func errno(_ operation: String) -> FileSystemError {
        FileSystemError(operation, reason: String(cString: strerror(Foundation.errno)))
    }
}
