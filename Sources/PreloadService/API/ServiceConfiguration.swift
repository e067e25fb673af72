import Logging
import PreloadChecker
import PreloadCore
import PreloadCuration

/// Everything the service needs, wired by `preload serve`.
public struct ServiceConfiguration: Sendable {
    /// The curation state (the same SQLite state the CLI uses).
    public var store: any CurationStore
    /// The checker, with the SSRF guard's address policy and the per-domain deadline set.
    public var checker: Checker
    public var clock: any TimeSource
    public var policy: LifecyclePolicy
    public var rateLimits: ServiceRateLimits
    /// Peers whose `X-Forwarded-For` is believed (exact addresses).
    public var trustedProxies: Set<String>
    /// The service's public base URL (links in pages and mail), without a trailing slash.
    public var publicURL: String?
    /// The list repository's work tree, served under `/list/`.
    public var listRoot: String?
    /// Request bodies larger than this are refused with 413.
    public var maxBodyBytes: Int
    /// A preflight result at most this old is reused, seconds.
    public var preflightMaxAge: Double
    /// Checks triggered by requests that run at once, and how many may wait.
    public var maxChecks: Int
    public var checkQueue: Int
    public var logger: Logger
    /// Sends confirmation mail to contact addresses (`--smtp-relay`); `nil`: only recorded in the state.
    public var notifier: (any Notifier)?
    /// The limits on confirmation mail.
    public var contactLimits: ContactLimits

    public init(store: any CurationStore, checker: Checker, clock: any TimeSource, policy: LifecyclePolicy = .defaults,
                rateLimits: ServiceRateLimits = ServiceRateLimits(), trustedProxies: Set<String> = [],
                publicURL: String? = nil, listRoot: String? = nil, maxBodyBytes: Int = 16 * 1024,
                preflightMaxAge: Double = 600, maxChecks: Int = 8, checkQueue: Int = 64,
                logger: Logger = Logger(label: "preload.serve"), notifier: (any Notifier)? = nil,
                contactLimits: ContactLimits = .defaults) {
        self.store = store
        self.checker = checker
        self.clock = clock
        self.policy = policy
        self.rateLimits = rateLimits
        self.trustedProxies = trustedProxies
        self.publicURL = publicURL
        self.listRoot = listRoot
        self.maxBodyBytes = maxBodyBytes
        self.preflightMaxAge = preflightMaxAge
        self.maxChecks = maxChecks
        self.checkQueue = checkQueue
        self.logger = logger
        self.notifier = notifier
        self.contactLimits = contactLimits
    }
}
