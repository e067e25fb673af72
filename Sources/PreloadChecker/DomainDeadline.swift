import PreloadCore

/// When the per-domain deadline passes: real time in production, a switch the test flips in unit tests.
public protocol DeadlineTimer: Sendable {
    /// Returns when the deadline of `domain`'s check, `seconds` from now, has passed; throws when the
    /// task is cancelled first (the check ended in time).
    func wait(seconds: Double, domain: DomainName) async throws
}

/// The real clock: `Task.sleep`.
public struct SleepingDeadlineTimer: DeadlineTimer {
    public init() {}
    public func wait(seconds: Double, domain: DomainName) async throws {
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
    }
}

/// The network steps of one domain's check that have begun and not ended, so that a check cut off by
/// its deadline can say what it was still waiting for.
actor PendingSteps {
    private var steps: [Int: String] = [:]
    private var next = 0

    /// Notes that `step` began; returns its token for ``end(_:)``.
    func begin(_ step: String) -> Int {
        next += 1
        steps[next] = step
        return next
    }

    func end(_ token: Int) { steps[token] = nil }

    /// The steps still pending, oldest first.
    var pending: [String] { steps.sorted { $0.key < $1.key }.map(\.value) }
}

extension Checker {
    /// Runs `body` as the pending step `step` (when a deadline is watched).
    func step<T: Sendable>(_ pending: PendingSteps?, _ step: @autoclosure () -> String,
                           _ body: () async -> T) async -> T {
        guard let pending else { return await body() }
        let token = await pending.begin(step())
        let result = await body()
        await pending.end(token)
        return result
    }

    /// Checks `domain` within `seconds`: the check's own result, or — when the deadline passes first — a
    /// report with `check.deadline-exceeded` naming what was still pending. The check is then cancelled:
    /// its probes still waiting for a slot never start, and those already running end by their own
    /// per-step deadlines without anyone waiting for them.
    func check(_ domain: DomainName, now: Timestamp, within seconds: Double) async -> DomainReport {
        let pending = PendingSteps()
        let first = FirstResult<DomainReport?>()
        let work = Task { await first.offer(await self.check(domain, now: now, pending: pending)) }
        let timer = Task {
            do {
                try await self.deadlines.wait(seconds: seconds, domain: domain)
            } catch {
                return  // the check ended first, or the caller was cancelled
            }
            await first.offer(nil)
        }
        let result = await withTaskCancellationHandler {
            await first.value()
        } onCancel: {
            work.cancel()
            timer.cancel()
        }
        timer.cancel()
        if let report = result { return report }
        work.cancel()
        let steps = await pending.pending
        let shown = steps.prefix(5).joined(separator: "; ") + (steps.count > 5 ? "; and \(steps.count - 5) more" : "")
        var report = DomainReport(domain: domain.value, eligible: false, mx: [], mtaSTS: nil, tlsRPT: nil, issues: [
            Issue(.checkDeadlineExceeded, subject: domain.value,
                  "The check of \(domain.value) did not finish within \(Self.seconds(seconds)) (the per-domain deadline)"
                  + (steps.isEmpty ? "." : "; still pending: \(shown).")
                  + " Every MX address must answer promptly: senders give up on hosts that stall, and a domain "
                  + "must not hold up the check of others."),
        ], checkedAt: now)
        report.resolverUnreachable = false
        return report
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int64(value)) s" : "\(value) s"
    }
}

/// The first of several values offered; later offers are ignored.
actor FirstResult<T: Sendable> {
    private var result: T?
    private var done = false
    private var waiters: [CheckedContinuation<T, Never>] = []

    func offer(_ value: T) {
        guard !done else { return }
        done = true
        result = value
        for waiter in waiters { waiter.resume(returning: value) }
        waiters = []
    }

    func value() async -> T {
        if done, let result { return result }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
