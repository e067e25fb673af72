import Foundation
import PreloadCore

/// The one clock of the tests: it stands still until the test moves it (`advance`, `set`).
public final class TestClock: TimeSource, @unchecked Sendable {  // `time` is guarded by `lock`
    private let lock = NSLock()
    private var time: Timestamp

    /// A clock at `start`.
    public init(_ start: Timestamp) { time = start }

    public func now() -> Timestamp { lock.withLock { time } }

    /// Moves the clock `seconds` forward (backward when negative).
    public func advance(_ seconds: Int64) { lock.withLock { time = time.adding(seconds: seconds) } }

    /// Moves the clock `days` forward.
    public func advance(days: Int) { lock.withLock { time = time.adding(days: days) } }

    /// Sets the clock to `t`.
    public func set(_ t: Timestamp) { lock.withLock { time = t } }
}
