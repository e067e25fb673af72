import PreloadCore

/// What happens next to a domain, if nothing changes: the answer `status` gives.
public struct Forecast: Sendable, Hashable, Codable {
    /// The kind of next step.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Waiting for the challenge record; `date` is when the token expires.
        case awaitingChallenge = "awaiting-challenge"
        /// The token expired: submit again for a new one.
        case challengeExpired = "challenge-expired"
        /// Listed on `date` if it keeps passing (and `validationsNeeded` more validations pass).
        case listedIfPassing = "listed-if-passing"
        /// Stays listed while validations pass.
        case staysListed = "stays-listed"
        /// Removed on `date` unless a validation passes before.
        case removedUnlessFixed = "removed-unless-fixed"
        /// Dropped from the list at the next publish.
        case removedAtNextPublish = "removed-at-next-publish"
        /// Nothing scheduled; the domain may be submitted again.
        case none
    }

    /// The kind of next step.
    public var kind: Kind
    /// The date of the next step, when there is one.
    public var date: Timestamp?
    /// Passing validations still needed (probation).
    public var validationsNeeded: Int?

    /// Creates a value; see the properties.
    public init(kind: Kind, date: Timestamp? = nil, validationsNeeded: Int? = nil) {
        self.kind = kind
        self.date = date
        self.validationsNeeded = validationsNeeded
    }

    enum CodingKeys: String, CodingKey {
        case kind, date
        case validationsNeeded = "validations_needed"
    }

    /// The forecast for `record` at `now`; `challenge` is the open challenge of a pending domain.
    public static func of(_ record: DomainRecord, challenge: Challenge?, now: Timestamp,
                          policy: LifecyclePolicy = .defaults) -> Forecast {
        switch record.state {
        case .pendingVerification:
            guard let challenge, !challenge.isExpired(at: now) else { return Forecast(kind: .challengeExpired) }
            return Forecast(kind: .awaitingChallenge, date: challenge.expires)
        case .probation:
            let start = record.probationSince ?? record.since
            let needed = max(0, policy.minPassingValidations - record.passingValidations)
            if let failing = record.failingSince {
                return Forecast(kind: .removedUnlessFixed, date: failing.adding(days: policy.failingGraceDays),
                                validationsNeeded: needed)
            }
            return Forecast(kind: .listedIfPassing, date: max(start.adding(days: policy.probationDays), now),
                            validationsNeeded: needed)
        case .listed:
            return Forecast(kind: .staysListed)
        case .failing:
            let failing = record.failingSince ?? record.since
            return Forecast(kind: .removedUnlessFixed, date: failing.adding(days: policy.failingGraceDays))
        case .removalRequested:
            return Forecast(kind: .removedAtNextPublish)
        case .removed:
            return Forecast(kind: .none)
        }
    }

    /// One sentence for people.
    public var sentence: String {
        let day = date?.date ?? "?"
        switch kind {
        case .awaitingChallenge:
            return "publish the challenge record and run `preload submit` again before \(date?.rfc3339 ?? "?")"
        case .challengeExpired:
            return "the challenge token expired; run `preload submit` again for a new one"
        case .listedIfPassing:
            let more = validationsNeeded.map { $0 > 0 ? " and \($0) more validation\($0 == 1 ? "" : "s") pass" : "" } ?? ""
            return "listed on \(day) if it keeps passing\(more)"
        case .staysListed:
            return "stays listed while validations pass"
        case .removedUnlessFixed:
            return "removed on \(day) unless a validation passes before"
        case .removedAtNextPublish:
            return "dropped from the list at the next publish"
        case .none:
            return "nothing scheduled; the domain may be submitted again"
        }
    }
}
