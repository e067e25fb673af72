import Foundation
import PreloadCore

/// Gives the installed list's say about a domain.
public protocol ListProviding: Sendable {
    /// The verified list's entry for `domain` (alias resolved), or `nil` when the domain is not listed or no
    /// list is installed. Expired lists still answer: the merge rule ignores their entries.
    func entry(for domain: DomainName) async -> ListEntryPolicy?
}

/// A fixed set of list entries (tests, and the list-only paths).
public struct StaticListProvider: ListProviding {
    /// Entries by domain.
    public var entries: [DomainName: ListEntryPolicy]

    /// A provider over `entries`.
    public init(_ entries: [DomainName: ListEntryPolicy]) { self.entries = entries }

    public func entry(for domain: DomainName) async -> ListEntryPolicy? { entries[domain] }
}

/// The client's resolver: MTA-STS state from the cache, the installed list, the merge rule.
public struct PreloadPolicyResolver: PolicyResolving {
    /// MTA-STS; `nil` turns lookups off (the decision then uses the list alone).
    public var mtaSTS: MTASTSResolver?
    /// The installed list.
    public var list: any ListProviding
    /// The time of decisions.
    public var clock: any TimeSource

    /// A resolver.
    public init(mtaSTS: MTASTSResolver?, list: any ListProviding, clock: any TimeSource) {
        self.mtaSTS = mtaSTS
        self.list = list
        self.clock = clock
    }

    public func resolve(_ domain: DomainName) async -> TLSPolicyDecision {
        let entry = await list.entry(for: domain)
        let state: MTASTSState
        if let mtaSTS {
            state = await mtaSTS.state(for: domain)
        } else {
            state = .noneKnown(detail: "MTA-STS lookups are turned off")
        }
        return PolicyMerge.decide(domain: domain, mtaSTS: state, listEntry: entry, now: clock.now())
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
