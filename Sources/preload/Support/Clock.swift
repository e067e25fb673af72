import ArgumentParser
import Foundation
import PreloadClient
import PreloadCore

/// The one clock of every command: the system time (``SystemClock``), or `PRELOAD_NOW` (RFC 3339) when set, so that
/// operators and tests can rehearse weeks in seconds.
struct CommandClock: TimeSource {
    let fixed: Timestamp?

    init() throws {
        if let raw = ProcessInfo.processInfo.environment["PRELOAD_NOW"], !raw.isEmpty {
            guard let t = Timestamp(rfc3339: raw) else {
                throw ValidationError("PRELOAD_NOW must be an RFC 3339 time such as 2026-12-01T00:00:00Z, not '\(raw)'")
            }
            fixed = t
        } else {
            fixed = nil
        }
    }

    func now() -> Timestamp {
        fixed ?? SystemClock().now()
    }
}
