import Foundation

/// A value behind a lock: state that an actor shares with synchronous readers on other threads (the
/// socketmap answers from memory on its event loops without hopping to the actor).
package final class Locked<Value>: @unchecked Sendable {  // every access to `value` holds `lock`
    private let lock = NSLock()
    private var value: Value

    /// A locked value.
    package init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock.
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// An immutable value behind one reference, so that handing it out costs one retain whatever its size.
package final class Shared<Value: Sendable>: Sendable {
    /// The value.
    package let value: Value
    /// Shares `value`.
    package init(_ value: Value) { self.value = value }
}
