import PreloadChecker
import PreloadCore

/// What one validation of a domain found, reduced to what the lifecycle rules need.
public struct ValidationOutcome: Sendable, Hashable, Codable {
    /// When the validation ran.
    public var time: Timestamp
    /// The checker's verdict.
    public var eligible: Bool
    /// The codes of every finding (errors and warnings), sorted and unique.
    public var issueCodes: [IssueCode]
    /// The codes of the blocking findings, sorted and unique.
    public var errorCodes: [IssueCode]
    /// The MX host names found.
    public var mxHosts: [DomainName]
    /// The domain's MTA-STS policy, when one was fetched and valid.
    public var policy: STSPolicy?
    /// The result says nothing about the domain (our own resolver was unreachable): no step is taken.
    public var inconclusive: Bool

    /// Creates a value; see the properties.
    public init(time: Timestamp, eligible: Bool, issueCodes: [IssueCode], errorCodes: [IssueCode]? = nil,
                mxHosts: [DomainName], policy: STSPolicy?, inconclusive: Bool = false) {
        self.time = time
        self.eligible = eligible
        self.issueCodes = Array(Set(issueCodes)).sorted()
        self.errorCodes = Array(Set(errorCodes ?? (eligible ? [] : issueCodes))).sorted()
        self.mxHosts = mxHosts
        self.policy = policy
        self.inconclusive = inconclusive
    }

    /// The outcome of a checker report.
    public init(report: DomainReport) {
        self.init(time: report.checkedAt, eligible: report.eligible, issueCodes: report.issues.map(\.code),
                  errorCodes: report.issues.filter { $0.severity == .error }.map(\.code),
                  mxHosts: report.mxHosts, policy: report.mtaSTS?.policy, inconclusive: report.resolverUnreachable)
    }
}
