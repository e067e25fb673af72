import Foundation

/// Two pieces of CPU-bound work at once, on a new thread and the calling one (this machine class has two
/// cores, and a list of a million domains has work that splits). Both are done when a call returns.
public enum Concurrently {
    /// Runs `first` on a new thread and `second` on this one; returns both results.
    public static func run<A: Sendable, B>(_ first: @escaping @Sendable () -> A, alongside second: () -> B) -> (A, B) {
        let box = ResultBox<A>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = first()
            done.signal()
        }
        thread.start()
        let b = second()
        done.wait()
        return (box.value!, b)
    }

    /// Calls `body` on the two halves of `0..<count` at once (one on a new thread), or on the whole range
    /// on this thread when `count` is below `minimum`. `body` must be safe to run on disjoint ranges at once.
    public static func halves(_ count: Int, minimum: Int = 20_000, _ body: (Range<Int>) -> Void) {
        guard count >= minimum else { return body(0..<count) }
        let middle = count / 2
        withoutActuallyEscaping(body) { body in
            // The thread object may outlive `done.signal()`: it must not hold the borrowed closure then.
            let lent = Lent(body)
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                lent.run(middle..<count)
                done.signal()
            }
            thread.start()
            body(0..<middle)
            done.wait()
        }
    }
}

/// A result written by one thread before it signals, read by another after it waits.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// A closure lent to another thread for the time of a call that waits for it, dropped once it has run.
private final class Lent: @unchecked Sendable {
    private var body: ((Range<Int>) -> Void)?
    init(_ body: @escaping (Range<Int>) -> Void) { self.body = body }
    func run(_ range: Range<Int>) {
        body!(range)
        body = nil
    }
}
