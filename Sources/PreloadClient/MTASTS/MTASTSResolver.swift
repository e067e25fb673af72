import Dispatch
import Logging
import PreloadCore

/// Timing rules of the MTA-STS cache.
public struct MTASTSCacheSettings: Sendable, Hashable {
    /// How long the result of a TXT lookup is trusted before a request looks again (seconds). Within it,
    /// answers come from memory without any network traffic.
    public var recheckInterval: Int64
    /// After a failed policy fetch, no new fetch for the domain for this long (seconds; RFC 8461 §3.3 asks
    /// for at least 5 minutes).
    public var fetchRetryInterval: Int64
    /// Cached policies expiring within this many seconds are refetched by ``MTASTSResolver/refreshExpiring()``.
    public var refreshWindow: Int64

    /// The defaults: recheck after 60 s, retry fetches after 300 s, refresh policies expiring within a day.
    public init(recheckInterval: Int64 = 60, fetchRetryInterval: Int64 = 300, refreshWindow: Int64 = 86400) {
        self.recheckInterval = recheckInterval
        self.fetchRetryInterval = max(300, fetchRetryInterval)
        self.refreshWindow = refreshWindow
    }
}

/// MTA-STS for a sending MTA (RFC 8461 §3.3, §5): discovers, fetches and caches policies, and says what
/// is known about a domain as an ``MTASTSState`` for the merge rule.
///
/// - A policy is cached until fetch time + `max_age`, persisted in the ``STSCacheStore``, and kept when
///   the TXT record disappears or a lookup fails.
/// - A changed TXT id triggers a fetch; an unchanged id keeps the cached policy without fetching.
/// - After a failed fetch, the domain is not fetched again for ``MTASTSCacheSettings/fetchRetryInterval``.
/// - A fetched `mode: none` replaces the cached policy like any other.
/// - Concurrent requests for one domain share one lookup.
/// - What the cache knows can also be read without a hop to the actor (``cachedState(for:)``), so that the
///   socketmap answers from memory on its own threads.
public actor MTASTSResolver {
    private let source: any MTASTSSource
    private let store: any STSCacheStore
    private let clock: any TimeSource
    /// The timing rules.
    public let settings: MTASTSCacheSettings
    private let logger: Logger
    /// The metrics, if the program collects any.
    public nonisolated let metrics: MTASTSMetrics?
    /// The cache entries by domain. Written only by the actor; read by it and by ``cachedState(for:)``.
    private nonisolated let entries: Locked<[DomainName: STSCacheEntry]>
    /// Bumped after every change of `entries`.
    private nonisolated let changes = Locked<UInt64>(0)
    private var inflight: [DomainName: Task<MTASTSState, Never>] = [:]

    /// A resolver over `source`, persisting to `store` (whose entries are loaded now).
    public init(source: any MTASTSSource, store: any STSCacheStore, clock: any TimeSource,
                settings: MTASTSCacheSettings = MTASTSCacheSettings(), metrics: MTASTSMetrics? = nil,
                logger: Logger) async throws {
        self.source = source
        self.store = store
        self.clock = clock
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        var loaded: [DomainName: STSCacheEntry] = [:]
        for entry in try await store.loadAll() { loaded[entry.domain] = entry }
        entries = Locked(loaded)
    }

    /// What is known about `domain`'s MTA-STS now, looking it up when the cached knowledge is older than
    /// ``MTASTSCacheSettings/recheckInterval``.
    public func state(for domain: DomainName) async -> MTASTSState {
        if let known = cachedState(for: domain) { return known }
        metrics?.cacheMisses.increment()
        return await singleFlight(domain) { await $0.lookUp(domain, forceFetch: false) }
    }

    /// What the cache knows about `domain` now, without waiting: the same state ``state(for:)`` returns when the
    /// cached knowledge is fresh (checked within ``MTASTSCacheSettings/recheckInterval``); `nil` when a lookup
    /// is due — then call ``state(for:)``, which looks it up.
    public nonisolated func cachedState(for domain: DomainName) -> MTASTSState? {
        let now = clock.now()
        let entry = entries.withLock { $0[domain] }
        guard let entry, entry.checkedAt <= now,
            now.secondsSince1970 - entry.checkedAt.secondsSince1970 < settings.recheckInterval
        else { return nil }
        metrics?.cacheHits.increment()
        return Self.state(of: entry, at: now)
    }

    /// A number that changes whenever any entry of the cache changes: states read with equal numbers at the same
    /// time (to the second) are equal.
    public nonisolated var generation: UInt64 { changes.withLock { $0 } }

    /// The cache entry of `domain`, if any.
    public func entry(for domain: DomainName) -> STSCacheEntry? { entries.withLock { $0[domain] } }

    /// Every cache entry, by domain.
    public func allEntries() -> [STSCacheEntry] { entries.withLock { $0.values.sorted { $0.domain < $1.domain } } }

    /// Refetches every cached policy that is still valid but expires within
    /// ``MTASTSCacheSettings/refreshWindow`` (RFC 8461 §3.3: refresh before expiry), respecting the
    /// retry interval after failures. Returns the refreshed domains with their new state.
    @discardableResult
    public func refreshExpiring() async -> [(DomainName, MTASTSState)] {
        let now = clock.now()
        let due = entries.withLock { $0.values }.filter { entry in
            guard let until = entry.validUntil, entry.policy != nil, until > now else { return false }
            return until.secondsSince1970 - now.secondsSince1970 < settings.refreshWindow
        }.map(\.domain).sorted()
        var results: [(DomainName, MTASTSState)] = []
        for domain in due {
            let state = await singleFlight(domain) { await $0.lookUp(domain, forceFetch: true) }
            results.append((domain, state))
        }
        if !due.isEmpty { logger.info("MTA-STS refresh", metadata: ["policies": "\(due.count)"]) }
        return results
    }

    /// Runs `operation` for `domain` unless one is already running, in which case its result is shared.
    private func singleFlight(_ domain: DomainName,
                              _ operation: @escaping @Sendable (MTASTSResolver) async -> MTASTSState) async -> MTASTSState {
        if let running = inflight[domain] { return await running.value }
        let task = Task { await operation(self) }
        inflight[domain] = task
        let state = await task.value
        inflight[domain] = nil
        return state
    }

    /// Discovers, fetches when needed (or when `forceFetch`), updates and persists the entry.
    private func lookUp(_ domain: DomainName, forceFetch: Bool) async -> MTASTSState {
        let discovery = await source.discover(domain)
        var now = clock.now()
        var entry = entries.withLock { $0[domain] } ?? STSCacheEntry(domain: domain, checkedAt: now, discovery: discovery)
        entry.checkedAt = now
        entry.discovery = discovery
        if case .record(let id) = discovery {
            let needsFetch = forceFetch || entry.validPolicy(at: now) == nil || entry.policyID != id
            let retryAt = entry.fetchFailedAt.map { $0.adding(seconds: settings.fetchRetryInterval) }
            if needsFetch, retryAt.map({ $0 <= now }) ?? true {
                let started = DispatchTime.now().uptimeNanoseconds
                let result = await source.fetch(domain)
                let elapsed = DispatchTime.now().uptimeNanoseconds - started
                now = clock.now()
                switch result {
                case .policy(let policy):
                    metrics?.fetchSucceeded.recordNanoseconds(elapsed)
                    entry.policy = policy
                    entry.policyID = id
                    entry.fetchedAt = now
                    entry.validUntil = now.adding(seconds: Int64(policy.maxAge))
                    entry.fetchFailedAt = nil
                    entry.fetchFailure = nil
                    logger.debug("MTA-STS policy fetched", metadata: [
                        "domain": "\(domain)", "id": "\(id)", "mode": "\(policy.mode.rawValue)", "max_age": "\(policy.maxAge)",
                    ])
                case .failed(let why):
                    metrics?.fetchFailed.recordNanoseconds(elapsed)
                    entry.fetchFailedAt = now
                    entry.fetchFailure = why
                    logger.debug("MTA-STS policy fetch failed", metadata: ["domain": "\(domain)", "error": "\(why)"])
                }
            }
        }
        entries.withLock { $0[domain] = entry }
        changes.withLock { $0 &+= 1 }
        do {
            try await store.save(entry)
        } catch {
            logger.warning("MTA-STS cache write failed", metadata: ["domain": "\(domain)", "error": "\(error)"])
        }
        return Self.state(of: entry, at: now)
    }

    /// The state an entry stands for at `now`.
    static func state(of entry: STSCacheEntry, at now: Timestamp) -> MTASTSState {
        if let (policy, until) = entry.validPolicy(at: now) { return .policy(policy, validUntil: until) }
        let expired = entry.validUntil.map { "the cached policy expired at \($0)" }
        switch entry.discovery {
        case .failed(let why):
            return .lookupFailed(reason: why)
        case .noRecord:
            return .noneKnown(detail: ["no _mta-sts record", expired].compactMap { $0 }.joined(separator: "; "))
        case .record:
            if let failure = entry.fetchFailure {
                return .noneKnown(detail: "the policy fetch failed: \(failure)")
            }
            return .noneKnown(detail: expired ?? "no policy fetched")
        }
    }
}
