import PreloadChecker
import PreloadCore

/// A proof-of-control challenge: the owner publishes `_preload-challenge.DOMAIN TXT "preload-verify=TOKEN"`
/// (or `preload-remove=TOKEN` to ask for removal) and runs the command again.
///
/// Tokens are 128 bits from a CSPRNG, written as 32 lowercase hex digits. In production the generator is
/// `SystemRandomNumberGenerator`, which on Linux reads `getrandom(2)` (the kernel CSPRNG) and on Apple
/// platforms `arc4random_buf`. The two purposes use different prefixes so that a submission's record can
/// never be replayed as a removal request.
public struct Challenge: Sendable, Hashable, Codable {
    /// What proving the challenge does.
    public enum Purpose: String, Sendable, Codable, Hashable, CaseIterable {
        /// Enter probation.
        case submit
        /// Ask for removal.
        case remove

        /// The TXT value prefix.
        public var prefix: String {
            switch self {
            case .submit: "preload-verify="
            case .remove: "preload-remove="
            }
        }
    }

    /// `submit` or `remove`.
    public var purpose: Purpose
    /// 32 lowercase hex digits.
    public var token: String
    /// When it was created.
    public var created: Timestamp
    /// When it expires.
    public var expires: Timestamp

    /// Creates a value; see the properties.
    public init(purpose: Purpose, token: String, created: Timestamp, expires: Timestamp) {
        self.purpose = purpose
        self.token = token
        self.created = created
        self.expires = expires
    }

    /// A fresh challenge with a 128-bit token from `random`, open for the policy's challenge expiry.
    /// - Warning: pass a cryptographically secure generator (`SystemRandomNumberGenerator`) outside tests.
    public static func make(purpose: Purpose, now: Timestamp, policy: LifecyclePolicy,
                            using random: inout some RandomNumberGenerator) -> Challenge {
        let high = random.next() as UInt64
        let low = random.next() as UInt64
        func hex(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return Challenge(purpose: purpose, token: hex(high) + hex(low), created: now,
                         expires: now.adding(days: policy.challengeExpiryDays))
    }

    /// `_preload-challenge.DOMAIN`.
    public static func recordName(for domain: DomainName) -> String { "_preload-challenge." + domain.value }

    /// The TXT value to publish.
    public var recordValue: String { purpose.prefix + token }

    /// The whole record as a zone-file line: `_preload-challenge.DOMAIN TXT "preload-verify=TOKEN"`.
    public func zoneLine(for domain: DomainName) -> String {
        "\(Self.recordName(for: domain)) TXT \"\(recordValue)\""
    }

    /// Whether the token has expired at `now`.
    public func isExpired(at now: Timestamp) -> Bool { now >= expires }

    /// Looks up the challenge record of `domain` and says whether it proves this challenge at `now`, or
    /// whether the lookup itself failed (no record at all is neither).
    public func check(for domain: DomainName, in dns: any CheckerDNS, at now: Timestamp) async
        -> (proven: Bool, lookupFailed: Bool)
    {
        switch await dns.txt(Self.recordName(for: domain)) {
        case .found(let records, _): (isProven(by: records, at: now), false)
        case .nxdomain, .noData: (false, false)
        case .failed: (false, true)
        }
    }

    /// Whether one of `records` (TXT strings already joined) proves this challenge at `now`.
    public func isProven(by records: [String], at now: Timestamp) -> Bool {
        guard !isExpired(at: now) else { return false }
        return records.contains { $0.trimmingSpaces == recordValue }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
