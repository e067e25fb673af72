import PreloadCore

/// The lifecycle's rules, each configurable, with documented defaults.
public struct LifecyclePolicy: Sendable, Hashable, Codable {
    /// How long a domain stays in probation before it may be listed. Default 14 days.
    public var probationDays: Int
    /// How many passing validations probation needs (since it last started). Default 3.
    public var minPassingValidations: Int
    /// How long a listed domain may keep failing before removal (also: how long a domain may keep failing
    /// during probation). Default 7 days.
    public var failingGraceDays: Int
    /// How long a challenge stays open: a pending submission, or an owner's removal request, whose
    /// challenge record is not proven within this time expires, with an audit event
    /// (`submission-expired`: the domain goes back to `removed` and may be submitted again;
    /// `removal-expired`: the domain stays where it is). Each challenge keeps the expiry it was issued
    /// with. Default 14 days.
    public var challengeExpiryDays: Int

    /// The defaults: probation 14 days with at least 3 passing validations, grace 7 days, challenges
    /// expire after 14 days.
    public static let defaults = LifecyclePolicy()

    /// Creates a value; see the properties.
    public init(probationDays: Int = 14, minPassingValidations: Int = 3, failingGraceDays: Int = 7,
                challengeExpiryDays: Int = 14) {
        self.probationDays = probationDays
        self.minPassingValidations = minPassingValidations
        self.failingGraceDays = failingGraceDays
        self.challengeExpiryDays = challengeExpiryDays
    }
}

/// Limits against abuse of the submission path, with documented defaults.
public struct AbuseLimits: Sendable, Hashable, Codable {
    /// `submit` attempts per domain that reach the checker within 24 hours. Default 5.
    public var submissionsPerDomainPerDay: Int
    /// New submissions (domains entering pending-verification) accepted between two `validate-all`
    /// runs. Default 200.
    public var newSubmissionsPerRun: Int
    /// `remove` (owner) attempts per domain within 24 hours. Default 5.
    public var removalsPerDomainPerDay: Int

    /// The defaults: 5 submissions and 5 removal attempts per domain per day, 200 new submissions per run.
    public static let defaults = AbuseLimits()

    /// Creates a value; see the properties.
    public init(submissionsPerDomainPerDay: Int = 5, newSubmissionsPerRun: Int = 200, removalsPerDomainPerDay: Int = 5) {
        self.submissionsPerDomainPerDay = submissionsPerDomainPerDay
        self.newSubmissionsPerRun = newSubmissionsPerRun
        self.removalsPerDomainPerDay = removalsPerDomainPerDay
    }
}
