import PreloadCore

/// Operational failures of curation commands (a domain's own problems are findings, not errors).
public enum CurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Too many attempts; try again after the given time.
    case rateLimited(String, retryAfter: Timestamp?)
    /// Another `validate-all` holds the run lock.
    case busy(String)
    /// The state database holds something this code cannot read.
    case corrupt(String)
    /// Publishing the list failed; the state is kept and the next run publishes.
    case publishFailed(String)

    public var description: String {
        switch self {
        case .rateLimited(let what, let after):
            "rate limited: \(what)" + (after.map { "; try again after \($0.rfc3339)" } ?? "")
        case .busy(let why): "another validate-all is running: \(why)"
        case .corrupt(let why): why
        case .publishFailed(let why): "publishing the list failed: \(why)"
        }
    }
}
