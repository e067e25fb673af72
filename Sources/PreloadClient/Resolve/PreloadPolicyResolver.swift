import Foundation
import PreloadCore

/// Gives the installed list's say about a domain.
public protocol ListProviding: Sendable {
    /// The verified list's entry for `domain` (alias resolved), or `nil` when the domain is not listed or no
    /// list is installed. Expired lists still answer: the merge rule ignores their entries.
    func entry(for domain: DomainName) async -> ListEntryPolicy?

    /// The same entry without waiting, when the provider can give it now; ``ListLookup/mustWait`` when the
    /// caller must use ``entry(for:)`` (e.g. a check for a newer list is due). The default always waits.
    func entryImmediately(for domain: DomainName) -> ListLookup

    /// A number that changes whenever the provider's entries change, when it can tell without waiting; `nil`
    /// when it cannot (e.g. a check for a newer list is due). The default is always `nil`.
    func generationUnlessCheckDue() -> UInt64?
}

/// A list's answer given without waiting.
public enum ListLookup: Sendable, Hashable {
    /// The list's entry for the domain (`nil`: not listed, or no list).
    case answered(ListEntryPolicy?)
    /// No answer without waiting: ask ``ListProviding/entry(for:)``.
    case mustWait
}

extension ListProviding {
    public func entryImmediately(for domain: DomainName) -> ListLookup { .mustWait }
    public func generationUnlessCheckDue() -> UInt64? { nil }
}

/// A fixed set of list entries (tests, and the list-only paths).
public struct StaticListProvider: ListProviding {
    /// Entries by domain.
    public var entries: [DomainName: ListEntryPolicy]

    /// A provider over `entries`.
    public init(_ entries: [DomainName: ListEntryPolicy]) { self.entries = entries }

    public func entry(for domain: DomainName) async -> ListEntryPolicy? { entries[domain] }

    public func entryImmediately(for domain: DomainName) -> ListLookup { .answered(entries[domain]) }

    public func generationUnlessCheckDue() -> UInt64? { 0 }
}

/// The client's resolver: MTA-STS state from the cache, the installed list, the merge rule.
public struct PreloadPolicyResolver: PolicyResolving {
    /// MTA-STS; `nil` turns lookups off (the decision then uses the list alone).
    public var mtaSTS: MTASTSResolver?
    /// The installed list.
    public var list: any ListProviding
    /// The time of decisions.
    public var clock: any TimeSource
    /// DANE, evaluated first (``PolicyMerge``); `nil`: not evaluated (``PolicyMerge/daneGap``).
    public var dane: (any DANEEvaluating)?

    /// A resolver.
    public init(mtaSTS: MTASTSResolver?, list: any ListProviding, clock: any TimeSource, dane: (any DANEEvaluating)? = nil) {
        self.mtaSTS = mtaSTS
        self.list = list
        self.clock = clock
        self.dane = dane
    }

    public func resolve(_ domain: DomainName) async -> TLSPolicyDecision {
        let entry = await list.entry(for: domain)
        let state: MTASTSState
        if let mtaSTS {
            state = await mtaSTS.state(for: domain)
        } else {
            state = .noneKnown(detail: "MTA-STS lookups are turned off")
        }
        let daneState = await dane?.state(for: domain) ?? .notEvaluated
        return PolicyMerge.decide(domain: domain, dane: daneState, mtaSTS: state, listEntry: entry, now: clock.now())
    }

    /// The decision ``resolve(_:)`` would make, when everything it needs is in memory: the list needs no
    /// reload check and the MTA-STS cache knows the domain freshly. `nil` otherwise.
    public func resolveImmediately(_ domain: DomainName) -> TLSPolicyDecision? {
        guard dane == nil else { return nil }  // DANE is looked up live, never answered from memory
        guard case .answered(let entry) = list.entryImmediately(for: domain) else { return nil }
        let state: MTASTSState
        if let mtaSTS {
            guard let known = mtaSTS.cachedState(for: domain) else { return nil }
            state = known
        } else {
            state = .noneKnown(detail: "MTA-STS lookups are turned off")
        }
        return PolicyMerge.decide(domain: domain, mtaSTS: state, listEntry: entry, now: clock.now())
    }

    /// The inputs of every decision besides the domain, when they can be read without waiting: the second,
    /// the list's version, the MTA-STS cache's version. `nil` while a check for a newer list is due.
    public func decisionEpoch() -> DecisionEpoch? {
        guard let listVersion = list.generationUnlessCheckDue() else { return nil }
        return DecisionEpoch(second: clock.now().secondsSince1970, list: listVersion, mtaSTS: mtaSTS?.generation ?? 0)
    }

    /// A reused decision consulted the MTA-STS cache when it was made: count the hit again.
    public func noteReusedDecision() {
        mtaSTS?.metrics?.cacheHits.increment()
    }
}

/// The system's real-time clock.
public struct SystemClock: TimeSource {
    /// The clock.
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(secondsSince1970: Int64(spec.tv_sec))
    }
}
