import PreloadCore

/// What the client remembers about one domain's MTA-STS: the last good policy (RFC 8461 §5: cached until
/// fetch time + `max_age`), and the last discovery and fetch failure, for rate limits and negative caching.
public struct STSCacheEntry: Sendable, Hashable {
    /// The policy domain (the cache key; a subdomain never inherits its parent's entry).
    public var domain: DomainName
    /// The last successfully fetched policy (any mode, `none` included), if any.
    public var policy: STSPolicy?
    /// The TXT id seen when `policy` was fetched.
    public var policyID: String?
    /// When `policy` was fetched.
    public var fetchedAt: Timestamp?
    /// `fetchedAt` + `max_age`: after this the policy no longer applies.
    public var validUntil: Timestamp?
    /// When the TXT record was last looked up.
    public var checkedAt: Timestamp
    /// What that lookup found.
    public var discovery: STSDiscovery
    /// When a policy fetch last failed (at most one retry per 5 minutes after that).
    public var fetchFailedAt: Timestamp?
    /// Why it failed.
    public var fetchFailure: String?

    /// An entry.
    public init(domain: DomainName, policy: STSPolicy? = nil, policyID: String? = nil, fetchedAt: Timestamp? = nil,
                validUntil: Timestamp? = nil, checkedAt: Timestamp, discovery: STSDiscovery,
                fetchFailedAt: Timestamp? = nil, fetchFailure: String? = nil) {
        self.domain = domain
        self.policy = policy
        self.policyID = policyID
        self.fetchedAt = fetchedAt
        self.validUntil = validUntil
        self.checkedAt = checkedAt
        self.discovery = discovery
        self.fetchFailedAt = fetchFailedAt
        self.fetchFailure = fetchFailure
    }

    /// The cached policy when it is still valid at `now`.
    public func validPolicy(at now: Timestamp) -> (STSPolicy, Timestamp)? {
        guard let policy, let validUntil, validUntil > now else { return nil }
        return (policy, validUntil)
    }
}
