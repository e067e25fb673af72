import Foundation

/// A pool of ordinary threads for blocking work (a blocking C call, a `poll` loop), so that it never runs
/// on Swift's cooperative thread pool, which has only as many threads as cores.
///
/// Threads are started on demand, one per job that finds no idle thread, up to `maximumThreads`; a thread
/// that has been idle for `idleTimeout` seconds ends. With the limit above the program's concurrency
/// setting, N jobs submitted at once really run at once.
///
/// The pool does no I/O itself; it only moves work to another thread and resumes the caller when it is done.
public final class BlockingThreadPool: @unchecked Sendable {  // all mutable state is guarded by `condition`
    /// The process-wide pool used by the network wrappers.
    public static let shared = BlockingThreadPool(name: "preload.blocking", maximumThreads: 512)

    private let condition = NSCondition()
    private let name: String
    private let maximumThreads: Int
    private let idleTimeout: TimeInterval?
    private let stackSize: Int
    private var jobs: [() -> Void] = []
    private var head = 0
    private var threadCount = 0
    private var idleCount = 0

    /// A pool whose threads are named `name`, with at most `maximumThreads` threads at once, each with a
    /// stack of `stackSize` bytes. A thread idle for `idleTimeout` seconds ends; with `nil` threads never end
    /// (a library whose thread-local clean-up races the process's exit wants that).
    public init(name: String, maximumThreads: Int, idleTimeout: TimeInterval? = 30, stackSize: Int = 1 << 20) {
        precondition(maximumThreads > 0, "a pool needs at least one thread")
        self.name = name
        self.maximumThreads = maximumThreads
        self.idleTimeout = idleTimeout
        self.stackSize = stackSize
    }

    /// The number of threads alive now (running or idle).
    public var threads: Int {
        condition.lock()
        defer { condition.unlock() }
        return threadCount
    }

    /// Runs `body` on a pool thread and returns its result to the caller.
    ///
    /// - Warning: the caller's task is suspended, not blocked, while `body` runs; cancelling the task does
    ///   not interrupt `body`, so `body` must bound its own time (deadlines on every step).
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Runs a throwing `body` on a pool thread and returns its result or rethrows its error.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await run { Result { try body() } }
        return try result.get()
    }

    /// Queues `job` and makes sure a thread will pick it up.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        let waiting = jobs.count - head
        let startThread = waiting > idleCount && threadCount < maximumThreads
        if startThread { threadCount += 1 }
        condition.signal()
        condition.unlock()
        if startThread {
            let thread = Thread { [self] in work() }
            thread.name = name
            thread.stackSize = stackSize
            thread.start()
        }
    }

    private func work() {
        condition.lock()
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head > 64, head * 2 > jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                condition.unlock()
                job()
                condition.lock()
                continue
            }
            idleCount += 1
            guard let idleTimeout else {
                condition.wait()
                idleCount -= 1
                continue
            }
            let signalled = condition.wait(until: Date(timeIntervalSinceNow: idleTimeout))
            idleCount -= 1
            if !signalled, head >= jobs.count {
                threadCount -= 1
                condition.unlock()
                return
            }
        }
    }
}
