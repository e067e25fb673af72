import Foundation
import Synchronization

/// A rate as a token bucket: `burst` requests at once, refilled at `burst` per `period`.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// Requests allowed at once (the bucket's size).
    public var burst: Int
    /// The time in which the bucket refills completely, seconds.
    public var period: Double

    public init(_ burst: Int, per period: Double) {
        self.burst = burst
        self.period = period
    }

    /// Parses `N/s`, `N/min`, `N/h` or `N/d` (e.g. `10/min`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        let seconds: Double
        switch parts[1] {
        case "s", "sec": seconds = 1
        case "min", "m": seconds = 60
        case "h", "hour": seconds = 3600
        case "d", "day": seconds = 86400
        default: return nil
        }
        self.init(n, per: seconds)
    }

    public var description: String {
        let unit: String
        switch period {
        case 1: unit = "s"
        case 60: unit = "min"
        case 3600: unit = "h"
        case 86400: unit = "d"
        default: unit = "\(period)s"
        }
        return "\(burst)/\(unit)"
    }
}

/// Token buckets by key (a client address, a domain). Idle buckets that have refilled are dropped, so the
/// table holds only keys active within one period.
public final class RateLimiter: Sendable {
    public let limit: RateLimit
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }
    private let buckets = Mutex([String: Bucket]())
    private let now: @Sendable () -> Double

    public init(_ limit: RateLimit, now: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.limit = limit
        self.now = now
    }

    /// Takes one token for `key`: `nil` when allowed, else the seconds until a token is back (for
    /// `Retry-After`).
    public func take(_ key: String) -> Double? {
        let t = now()
        let rate = Double(limit.burst) / limit.period
        let burst = Double(limit.burst)
        return buckets.withLock { table -> Double? in
            if table.count > 100_000 {
                table = table.filter { t - $0.value.updated < limit.period }
            }
            var bucket = table[key] ?? Bucket(tokens: burst, updated: t)
            bucket.tokens = min(burst, bucket.tokens + (t - bucket.updated) * rate)
            bucket.updated = t
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                table[key] = bucket
                return nil
            }
            table[key] = bucket
            return (1 - bucket.tokens) / rate
        }
    }
}

/// The rate limits of the service, with their documented defaults.
public struct ServiceRateLimits: Sendable {
    /// Preflight checks per client address (default 10/min).
    public var preflightPerClient = RateLimit(10, per: 60)
    /// Submission and confirmation requests per domain (default 5/h).
    public var submissionsPerDomain = RateLimit(5, per: 3600)
    /// Submission, confirmation and removal requests per client address (default 20/h).
    public var writesPerClient = RateLimit(20, per: 3600)
    /// Removal requests per domain (default 5/h).
    public var removalsPerDomain = RateLimit(5, per: 3600)
    /// Every other API request per client address (default 600/min).
    public var readsPerClient = RateLimit(600, per: 60)

    public init() {}
}
