/// Where a domain stands in the curation lifecycle.
///
/// ```
/// pending-verification ──challenge──▶ probation ──period + passes──▶ listed ◀──passes── failing
///                                         │                            │  ──fails──▶     │
///                                         └──fails too long──▶ removed ◀──grace over──────┘
/// listed/failing ──owner removal──▶ removal-requested ──next publish──▶ removed
/// pending-verification ──challenge expired──▶ removed
/// ```
/// Only `listed` and `failing` domains are in the published list.
public enum LifecycleState: String, Sendable, Codable, CaseIterable, Hashable {
    /// Submitted; waiting for the owner to publish the challenge record.
    case pendingVerification = "pending-verification"
    /// Control proven; re-validated on every run until the probation period is over.
    case probation
    /// In the published list.
    case listed
    /// In the published list, but the last validations failed; removed when the grace period ends.
    case failing
    /// The owner proved control and asked for removal; dropped at the next publish.
    case removalRequested = "removal-requested"
    /// Not in the list (any more).
    case removed

    /// Whether domains in this state belong in the list content.
    public var isInList: Bool { self == .listed || self == .failing }

    /// Whether `validate-all` re-validates domains in this state.
    public var isValidated: Bool { self == .probation || self == .listed || self == .failing }

    /// Whether a new submission is accepted for a domain in this state.
    public var acceptsSubmission: Bool { self == .removed || self == .pendingVerification }
}

/// Why a lifecycle step happened: a stable code for the audit log (never renamed).
public enum TransitionReason: String, Sendable, Codable, CaseIterable, Hashable {
    /// A new submission (→ pending-verification).
    case submitted
    /// A pending submission was made again with new terms (contact, mode, patterns).
    case resubmitted
    /// The challenge record was found (pending-verification → probation).
    case challengeVerified = "challenge-verified"
    /// Probation over with enough passing validations (probation → listed).
    case probationPassed = "probation-passed"
    /// A validation failed during probation: the probation period starts again.
    case probationRestarted = "probation-restarted"
    /// Failing for longer than the grace period during probation (probation → removed).
    case probationFailed = "probation-failed"
    /// A listed domain failed validation (listed → failing).
    case validationFailed = "validation-failed"
    /// A failing domain passed again (failing → listed).
    case recovered
    /// Still failing when the grace period ended (failing → removed).
    case graceExpired = "grace-expired"
    /// The domain's MTA-STS policy says `mode: none`: the owner opted out (→ removed).
    case optedOut = "opted-out"
    /// An `mta-sts`-provenance entry took over its policy's new patterns or mode.
    case policyFollowed = "policy-followed"
    /// The owner proved control and asked for removal.
    case ownerRemoval = "owner-removal"
    /// A removal took effect because the published list no longer has the domain.
    case removedAtPublish = "removed-at-publish"
    /// A maintainer removed the domain (`remove --force --reason`).
    case forcedRemoval = "forced-removal"
    /// The submission's challenge expired unproven (pending-verification → removed).
    case submissionExpired = "submission-expired"
    /// The owner's removal challenge expired unproven; the domain stays where it is.
    case removalExpired = "removal-expired"
    /// A round needing several vantages saw a failure from one vantage alone: a warning in the domain's
    /// history; the domain stays where it is (no promotion, no failing).
    case vantageDisagreement = "vantage-disagreement"
}

/// What the domain's contact is told about a step.
public enum NotificationKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// Control proven; probation started.
    case verified
    /// Entered the list (or is back in it).
    case listed
    /// Failing validation; will be removed unless fixed within the grace period.
    case failing
    /// The owner's removal request was accepted; removal at the next publish.
    case removalRequested = "removal-requested"
    /// Removed (or never listed and dropped).
    case removed
    /// The one-time confirmation code of a contact address (the only mail an unconfirmed address gets).
    case contactConfirmation = "contact-confirmation"
}
