import PreloadCore

/// The one merge rule of the client: which TLS policy applies to a destination domain, given what MTA-STS
/// and the preload list say (REFERENCE §3, RFC 8461 §5 and §10.2).
///
/// Precedence, first match wins:
/// 1. DANE (DNSSEC-proven TLSA) — **not evaluated yet**, see ``daneGap``.
/// 2. A valid live or cached MTA-STS policy: `enforce` → enforced; `testing` → not enforced (logged);
///    a fetched `none` → no policy, even when the list has an entry (the domain opted out).
/// 3. The preload-list entry, only while no MTA-STS policy is known and only while the list has not expired:
///    `enforce` → enforced until the list expires; `testing` → not enforced (logged).
/// 4. Nothing: opportunistic TLS — unless the MTA-STS lookup failed with nothing cached, in which case the
///    decision carries a ``TLSPolicyDecision/temporaryFailure`` so that the MTA defers instead of downgrading.
///
/// Pure: no I/O, time is an argument.
public enum PolicyMerge {
    /// The documented gap: DANE precedence (RFC 7672; RFC 8461 §2 — an MTA-STS or list result must not
    /// override a failing DANE validation) is not implemented. ``decide(domain:dane:mtaSTS:listEntry:now:)``
    /// takes a ``DANEState`` whose only case is `notEvaluated`. Until it grows real states, operators keep
    /// DANE in Postfix (`smtp_dns_support_level = dnssec`, `smtp_tls_security_level = dane`) and put any DANE
    /// table before the preload tables in `smtp_tls_policy_maps`.
    public static let daneGap =
        "DANE is not evaluated by preload; keep DANE in the MTA and list its tables first in smtp_tls_policy_maps"

    /// Decides the TLS policy for `domain`.
    ///
    /// - Parameters:
    ///   - dane: what DANE says; only `.notEvaluated` exists so far (``daneGap``).
    ///   - mtaSTS: the live or cached MTA-STS state; a `.policy` whose `validUntil` is not after `now` counts as
    ///     no policy known (the cache should not hand out expired policies).
    ///   - listEntry: the verified list's entry for `domain`, if any; ignored once its list has expired.
    ///   - now: the time of the decision.
    public static func decide(domain: DomainName, dane: DANEState = .notEvaluated, mtaSTS: MTASTSState,
                              listEntry: ListEntryPolicy?, now: Timestamp) -> TLSPolicyDecision {
        switch dane {
        case .notEvaluated: break  // Step 1 is the documented gap.
        }

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
