import Foundation
import Synchronization
import PreloadChecker
import PreloadCore

/// At most `limit` checks triggered by requests run at once, whatever their number; the others wait
/// their turn in arrival order, or are turned away when `queue` are already waiting (429).
public actor CheckGate {
    public let limit: Int
    public let queue: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int, queue: Int) {
        self.limit = max(1, limit)
        self.queue = max(0, queue)
    }

    /// Runs `body` within the limit; `nil` when the queue is full.
    public func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T? {
        if running >= limit {
            guard waiting.count < queue else { return nil }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer { release() }
        return await body()
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()  // the slot passes on
        }
    }

    /// Checks running now.
    public var active: Int { running }
}

/// Preflight results: a result at most `maxAge` seconds old is reused, and one domain asked for
/// concurrently is checked once (single flight); every caller gets the same report.
public actor PreflightCache {
    public let maxAge: Double
    private var done: [String: DomainReport] = [:]
    private var flights: [String: Task<DomainReport?, Never>] = [:]
    private let now: @Sendable () -> Timestamp

    public init(maxAge: Double, now: @escaping @Sendable () -> Timestamp) {
        self.maxAge = maxAge
        self.now = now
    }

    /// How a report was obtained.
    public enum Source: String, Sendable { case checked, reused, joined }

    /// The report on `domain`: a fresh cached one, the one being made, or a new check through `check`
    /// (`nil` from `check`: refused, e.g. the gate's queue is full; nothing is cached then).
    public func report(_ domain: DomainName,
                       check: @escaping @Sendable () async -> DomainReport?) async -> (DomainReport, Source)? {
        let key = domain.value
        let t = now()
        if let cached = done[key], Double(t.secondsSince1970 - cached.checkedAt.secondsSince1970) <= maxAge,
           cached.checkedAt.secondsSince1970 <= t.secondsSince1970 {
            return (cached, .reused)
        }
        if let flight = flights[key] {
            return await flight.value.map { ($0, .joined) }
        }
        let flight = Task { await check() }
        flights[key] = flight
        let report = await flight.value
        flights[key] = nil
        if let report {
            done[key] = report
            if done.count > 10_000 { prune() }
        }
        return report.map { ($0, .checked) }
    }

    private func prune() {
        let t = now().secondsSince1970
        done = done.filter { Double(t - $0.value.checkedAt.secondsSince1970) <= maxAge }
    }
}
