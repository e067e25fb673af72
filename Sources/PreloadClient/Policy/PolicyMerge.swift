import PreloadCore

/// The one merge rule of the client: which TLS policy applies to a destination domain, given what DANE,
/// MTA-STS and the preload list say (REFERENCE §3, RFC 7672 §2.2, RFC 8461 §2, §5 and §10.2).
///
/// Precedence, first match wins:
/// 1. DANE (``DANEState``): a failed or bogus lookup defers (`TEMP`), whatever MTA-STS and the list say — a
///    failing DANE validation is never overridden (RFC 8461 §2); TLSA records validated for every MX host
///    give `dane-only`, for some of them `dane` (Postfix then does DANE itself, per host, as postfix-tlspol
///    does); MTA-STS and the list are not consulted. Unusable TLSA records (only PKIX usages…) authenticate
///    nothing: MTA-STS and the list still apply, and if neither does, `dane` (Postfix then requires TLS
///    without authentication, RFC 7672 §2.2). Insecure or no TLSA: DANE does not apply.
/// 2. A valid live or cached MTA-STS policy: `enforce` → enforced; `testing` → not enforced (logged);
///    a fetched `none` → no policy, even when the list has an entry (the domain opted out).
/// 3. The preload-list entry, only while no MTA-STS policy is known and only while the list has not expired:
///    `enforce` → enforced until the list expires; `testing` → not enforced (logged).
/// 4. Nothing: opportunistic TLS — unless the MTA-STS lookup failed with nothing cached, in which case the
///    decision carries a ``TLSPolicyDecision/temporaryFailure`` so that the MTA defers instead of downgrading.
///
/// Pure: no I/O, time is an argument.
public enum PolicyMerge {
    /// The remaining gap: the merge decides DANE first, but a decision made with ``DANEState/notEvaluated``
    /// (no validating resolver consulted — the static map, and `resolve`/`socketmap` until they look the TLSA
    /// records up) starts at MTA-STS. There, operators keep DANE in Postfix (`smtp_dns_support_level =
    /// dnssec`, `smtp_tls_security_level = dane`) and put any DANE table before the preload tables in
    /// `smtp_tls_policy_maps`.
    public static let daneGap =
        "DANE was not evaluated for this decision; keep DANE in the MTA and list its tables first in smtp_tls_policy_maps"

    /// Decides the TLS policy for `domain`.
    ///
    /// - Parameters:
    ///   - dane: what DANE says (``DANEObservation/state``); `.notEvaluated` when no validating resolver was asked.
    ///   - mtaSTS: the live or cached MTA-STS state; a `.policy` whose `validUntil` is not after `now` counts as
    ///     no policy known (the cache should not hand out expired policies).
    ///   - listEntry: the verified list's entry for `domain`, if any; ignored once its list has expired.
    ///   - now: the time of the decision.
    public static func decide(domain: DomainName, dane: DANEState = .notEvaluated, mtaSTS: MTASTSState,
                              listEntry: ListEntryPolicy?, now: Timestamp) -> TLSPolicyDecision {
        // Step 1: DANE.
        let notConsulted = "; MTA-STS and the preload list are not consulted (RFC 8461 §2)"
        let daneNote: String?
        switch dane {
        case .notEvaluated:
            daneNote = nil
        case .failed(let reason):
            return TLSPolicyDecision(
                domain: domain, source: .dane, mode: .none, temporaryFailure: "DANE lookup failed: \(reason)",
                note: "a DNSSEC lookup that DANE depends on failed or was bogus (\(reason)); it is never overridden by "
                    + "MTA-STS or the preload list (RFC 8461 §2): defer")
        case .usable(let covered, let uncovered) where uncovered.isEmpty:
            return TLSPolicyDecision(
                domain: domain, source: .dane, mode: .enforce, daneLevel: .daneOnly,
                note: "DANE: the MX RRset and the TLSA RRsets of every MX host (\(covered.joined(separator: ", "))) are "
                    + "DNSSEC-validated; Postfix authenticates each host with DANE (dane-only)" + notConsulted)
        case .usable(let covered, let uncovered):
            return TLSPolicyDecision(
                domain: domain, source: .dane, mode: .enforce, daneLevel: .dane,
                note: "DANE for \(covered.joined(separator: ", ")), whose TLSA RRsets are DNSSEC-validated; not for "
                    + "\(uncovered.joined(separator: ", ")) (dane: Postfix authenticates the hosts with TLSA records "
                    + "and uses opportunistic TLS for the others)" + notConsulted)
        case .notApplicable(let reason):
            daneNote = "DANE does not apply (\(reason))"
        case .unusable(let reason):
            daneNote = "the TLSA records authenticate nothing (\(reason))"
        }
        var decision = withoutDANE(domain: domain, mtaSTS: mtaSTS, listEntry: listEntry, now: now)
        if case .unusable = dane, decision.source == .none, decision.temporaryFailure == nil {
            decision = TLSPolicyDecision(
                domain: domain, source: .dane, mode: .none, daneLevel: .dane,
                note: "\(decision.note); Postfix's dane level requires TLS without authentication (RFC 7672 §2.2)")
        }
        if let daneNote { decision.note = "\(daneNote); \(decision.note)" }
        return decision
    }

    /// Steps 2 to 4: MTA-STS, the list, nothing.
    private static func withoutDANE(domain: DomainName, mtaSTS: MTASTSState, listEntry: ListEntryPolicy?,
                                    now: Timestamp) -> TLSPolicyDecision {
        // Step 2: MTA-STS.
        var unknownBecause: String
        var lookupFailure: String?
        switch mtaSTS {
        case .policy(let policy, let validUntil) where validUntil > now:
            return mtaSTSDecision(domain: domain, policy: policy, validUntil: validUntil, listEntry: listEntry, now: now)
        case .policy(_, let validUntil):
            unknownBecause = "the cached MTA-STS policy expired at \(validUntil)"
        case .noneKnown(let detail):
            unknownBecause = detail.map { "no MTA-STS policy is known (\($0))" } ?? "no MTA-STS policy is known"
        case .lookupFailed(let reason):
            unknownBecause = "the MTA-STS lookup failed (\(reason)) and nothing is cached"
            lookupFailure = reason
        }

        // Step 3: the list.
        if let entry = listEntry {
            if entry.listExpires > now {
                switch entry.mode {
                case .enforce:
                    return TLSPolicyDecision(
                        domain: domain, source: .preload, mode: .enforce, mx: entry.mx, validUntil: entry.listExpires,
                        note: "preload list entry (enforce): \(unknownBecause); authenticated TLS required until the list expires")
                case .testing:
                    return TLSPolicyDecision(
                        domain: domain, source: .preload, mode: .testing, mx: entry.mx, validUntil: entry.listExpires,
                        note: "preload list entry (testing): \(unknownBecause); failures are logged, delivery is not blocked")
                }
            }
            unknownBecause += "; the list entry is ignored because the list expired at \(entry.listExpires)"
        }

        // Step 4: nothing applies.
        if let lookupFailure {
            return TLSPolicyDecision(
                domain: domain, source: .none, mode: .none, temporaryFailure: "MTA-STS lookup failed: \(lookupFailure)",
                note: "\(unknownBecause); defer rather than deliver without a known policy")
        }
        return TLSPolicyDecision(domain: domain, source: .none, mode: .none,
                                 note: "\(unknownBecause); opportunistic TLS")
    }

    private static func mtaSTSDecision(domain: DomainName, policy: STSPolicy, validUntil: Timestamp,
                                       listEntry: ListEntryPolicy?, now: Timestamp) -> TLSPolicyDecision {
        let listed = listEntry.map { $0.listExpires > now } ?? false
        let overList = listed ? "; it takes precedence over the preload list entry" : ""
        switch policy.mode {
        case .enforce:
            return TLSPolicyDecision(
                domain: domain, source: .mtaSTS, mode: .enforce, mx: policy.mx, validUntil: validUntil,
                note: "MTA-STS policy (enforce)\(overList)")
        case .testing:
            return TLSPolicyDecision(
                domain: domain, source: .mtaSTS, mode: .testing, mx: policy.mx, validUntil: validUntil,
                note: "MTA-STS policy (testing): failures are logged, delivery is not blocked\(overList)")
        case .none:
            let optOut = listed ? "; the preload list entry is ignored (the domain opted out)" : ""
            return TLSPolicyDecision(
                domain: domain, source: .mtaSTS, mode: .none, validUntil: validUntil,
                note: "MTA-STS policy mode none: no policy\(optOut); opportunistic TLS")
        }
    }
}
