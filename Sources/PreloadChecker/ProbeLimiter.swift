/// A counting semaphore for async code: at most `limit` holders at once.
///
/// Limits how many probes and policy fetches run at the same time across all domains of one check run
/// (`--concurrency`). Waiters carry a key (the domain): free slots go round-robin over the keys that wait,
/// first come first served within a key, so a domain that queues many probes (many MX hosts and
/// addresses) takes one turn like every other domain instead of making them wait behind all of its probes.
/// A waiter whose task is cancelled leaves the queue without a slot.
public actor ProbeLimiter {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private let limit: Int
    private var inUse = 0
    private var queues: [String: [Waiter]] = [:]
    /// Keys with waiters, in the order their turns come.
    private var turns: [String] = []
    private var nextID: UInt64 = 0

    public init(limit: Int) { self.limit = max(1, limit) }

    /// How many tasks wait for a slot now.
    public var waiting: Int { queues.values.reduce(0) { $0 + $1.count } }

    /// Waits for a free slot; `false` (and no slot) when the task is cancelled before one is free.
    public func acquire(key: String = "") async -> Bool {
        if Task.isCancelled { return false }
        if inUse < limit {
            inUse += 1
            return true
        }
        let id = nextID
        nextID += 1
        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // The cancellation flag is set before the handler runs, so a task cancelled before it got
                // here is seen now, and one cancelled later finds its waiter queued.
                if Task.isCancelled {
                    continuation.resume(returning: false)
                    return
                }
                if queues[key, default: []].isEmpty { turns.append(key) }
                queues[key, default: []].append(Waiter(id: id, continuation: continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id, key: key) }
        }
        // A slot handed over after the task was cancelled (before its waiter left the queue) goes on.
        if granted && Task.isCancelled {
            release()
            return false
        }
        return granted
    }

    private func cancelWaiter(_ id: UInt64, key: String) {
        guard var queue = queues[key], let index = queue.firstIndex(where: { $0.id == id }) else { return }
        let waiter = queue.remove(at: index)
        if queue.isEmpty {
            queues[key] = nil
            turns.removeAll { $0 == key }
        } else {
            queues[key] = queue
        }
        waiter.continuation.resume(returning: false)
    }

    /// Frees a slot, handing it to the first waiter of the key whose turn it is, if any.
    public func release() {
        guard !turns.isEmpty else {
            inUse -= 1
            return
        }
        let key = turns.removeFirst()
        var queue = queues[key]!
        let waiter = queue.removeFirst()
        if queue.isEmpty {
            queues[key] = nil
        } else {
            queues[key] = queue
            turns.append(key)
        }
        waiter.continuation.resume(returning: true)
    }

    /// Runs `body` holding a slot; `nil`, without running it, when the task is cancelled while waiting.
    public nonisolated func withSlot<T: Sendable>(key: String = "", _ body: @Sendable () async -> T) async -> T? {
        guard await acquire(key: key) else { return nil }
        let result = await body()
        await release()
        return result
    }
}
