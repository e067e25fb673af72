import PreloadClient
import PreloadCore
import Testing

private let now = Timestamp(rfc3339: "2026-03-01T12:00:00Z")!
private let domain = try! DomainName("example.com")
private let stsMX = [try! MXPattern("mx1.example.com"), try! MXPattern("*.mail.example.com")]
private let listMX = [try! MXPattern("listed.example.com")]

private func sts(_ mode: STSMode, validFor seconds: Int64) -> MTASTSState {
    .policy(STSPolicy(mode: mode, maxAge: 86400, mx: mode == .none ? [] : stsMX), validUntil: now.adding(seconds: seconds))
}

private func list(_ mode: ListMode, expiresIn seconds: Int64) -> ListEntryPolicy {
    ListEntryPolicy(mode: mode, mx: listMX, listExpires: now.adding(seconds: seconds))
}

/// The MTA-STS states of the table, named.
private let stsStates: [(String, MTASTSState)] = [
    ("sts-enforce", sts(.enforce, validFor: 3600)),
    ("sts-testing", sts(.testing, validFor: 3600)),
    ("sts-none", sts(.none, validFor: 3600)),
    ("sts-enforce-expired", sts(.enforce, validFor: 0)),
    ("no-sts", .noneKnown()),
    ("sts-fetch-failed", .noneKnown(detail: "policy fetch failed")),
    ("lookup-failed", .lookupFailed(reason: "SERVFAIL")),
]

/// The list states of the table, named.
private let listStates: [(String, ListEntryPolicy?)] = [
    ("unlisted", nil),
    ("list-enforce", list(.enforce, expiresIn: 86400)),
    ("list-testing", list(.testing, expiresIn: 86400)),
    ("list-enforce-expired", list(.enforce, expiresIn: 0)),
    ("list-testing-expired", list(.testing, expiresIn: -86400)),
]

/// What each combination must decide: source, mode, whether it defers. Written out, not computed.
private let expected: [String: (PolicySource, STSMode, defers: Bool)] = [
    "sts-enforce/unlisted": (.mtaSTS, .enforce, false),
    "sts-enforce/list-enforce": (.mtaSTS, .enforce, false),
    "sts-enforce/list-testing": (.mtaSTS, .enforce, false),
    "sts-enforce/list-enforce-expired": (.mtaSTS, .enforce, false),
    "sts-enforce/list-testing-expired": (.mtaSTS, .enforce, false),
    "sts-testing/unlisted": (.mtaSTS, .testing, false),
    "sts-testing/list-enforce": (.mtaSTS, .testing, false),
    "sts-testing/list-testing": (.mtaSTS, .testing, false),
    "sts-testing/list-enforce-expired": (.mtaSTS, .testing, false),
    "sts-testing/list-testing-expired": (.mtaSTS, .testing, false),
    "sts-none/unlisted": (.mtaSTS, .none, false),
    "sts-none/list-enforce": (.mtaSTS, .none, false),
    "sts-none/list-testing": (.mtaSTS, .none, false),
    "sts-none/list-enforce-expired": (.mtaSTS, .none, false),
    "sts-none/list-testing-expired": (.mtaSTS, .none, false),
    "sts-enforce-expired/unlisted": (.none, .none, false),
    "sts-enforce-expired/list-enforce": (.preload, .enforce, false),
    "sts-enforce-expired/list-testing": (.preload, .testing, false),
    "sts-enforce-expired/list-enforce-expired": (.none, .none, false),
    "sts-enforce-expired/list-testing-expired": (.none, .none, false),
    "no-sts/unlisted": (.none, .none, false),
    "no-sts/list-enforce": (.preload, .enforce, false),
    "no-sts/list-testing": (.preload, .testing, false),
    "no-sts/list-enforce-expired": (.none, .none, false),
    "no-sts/list-testing-expired": (.none, .none, false),
    "sts-fetch-failed/unlisted": (.none, .none, false),
    "sts-fetch-failed/list-enforce": (.preload, .enforce, false),
    "sts-fetch-failed/list-testing": (.preload, .testing, false),
    "sts-fetch-failed/list-enforce-expired": (.none, .none, false),
    "sts-fetch-failed/list-testing-expired": (.none, .none, false),
    "lookup-failed/unlisted": (.none, .none, true),
    "lookup-failed/list-enforce": (.preload, .enforce, false),
    "lookup-failed/list-testing": (.preload, .testing, false),
    "lookup-failed/list-enforce-expired": (.none, .none, true),
    "lookup-failed/list-testing-expired": (.none, .none, true),
]

/// The DANE states of the table, named.
private let daneStates: [(String, DANEState)] = [
    ("dane-not-evaluated", .notEvaluated),
    ("dane-not-applicable", .notApplicable(reason: "the MX RRset is not DNSSEC-signed")),
    ("dane-all-hosts", .usable(covered: ["mx1.example.com", "mx2.example.com"], uncovered: [])),
    ("dane-some-hosts", .usable(covered: ["mx1.example.com"], uncovered: ["mx2.example.com"])),
    ("dane-unusable", .unusable(reason: "only PKIX usages")),
    ("dane-bogus", .failed(reason: "TLSA RRset bogus: signature expired")),
    ("dane-lookup-failed", .failed(reason: "TLSA lookup: SERVFAIL")),
]

/// What a DANE state decides on its own, whatever MTA-STS and the list say: source, Postfix level, whether it
/// defers. `nil`: DANE does not decide alone, and the MTA-STS × list table applies (with the exceptions below).
private let daneDecides: [String: (PolicySource, DANELevel?, defers: Bool)?] = [
    "dane-not-evaluated": nil,
    "dane-not-applicable": nil,
    "dane-all-hosts": (.dane, .daneOnly, false),
    "dane-some-hosts": (.dane, .dane, false),
    "dane-unusable": nil,
    "dane-bogus": (.dane, nil, true),  // TEMP, never a downgrade to MTA-STS or the list
    "dane-lookup-failed": (.dane, nil, true),
]

/// Unusable TLSA records: where neither MTA-STS nor the list applies and nothing failed, Postfix's `dane`
/// level (TLS without authentication) instead of nothing. Every other combination is as without DANE.
private let unusableFallsBackToDANE: Set<String> = [
    "sts-enforce-expired/unlisted", "sts-enforce-expired/list-enforce-expired", "sts-enforce-expired/list-testing-expired",
    "no-sts/unlisted", "no-sts/list-enforce-expired", "no-sts/list-testing-expired",
    "sts-fetch-failed/unlisted", "sts-fetch-failed/list-enforce-expired", "sts-fetch-failed/list-testing-expired",
]

@Suite struct PolicyMergeTests {
    @Test func theTableCoversEveryCombination() {
        #expect(expected.count == stsStates.count * listStates.count)
        #expect(daneDecides.count == daneStates.count)
        #expect(unusableFallsBackToDANE.isSubset(of: Set(expected.keys)))
        // The fallback is exactly where the table without DANE gives nothing and does not defer.
        #expect(unusableFallsBackToDANE == Set(expected.filter { $0.value.0 == .none && !$0.value.defers }.keys))
    }

    /// DANE × MTA-STS × list: every combination, 245 decisions.
    @Test(arguments: daneStates.indices, stsStates.indices)
    func decidesWithDANE(daneIndex: Int, stsIndex: Int) throws {
        let (daneName, daneState) = daneStates[daneIndex]
        let (stsName, stsState) = stsStates[stsIndex]
        for (listName, entry) in listStates {
            let key = "\(daneName)/\(stsName)/\(listName)"
            let got = PolicyMerge.decide(domain: domain, dane: daneState, mtaSTS: stsState, listEntry: entry, now: now)
            #expect(got.domain == domain && !got.note.isEmpty)
            let alone = try #require(daneDecides[daneName])
            if let (source, level, defers) = alone {
                #expect(got.source == source, "\(key)")
                #expect(got.daneLevel == level, "\(key)")
                #expect((got.temporaryFailure != nil) == defers, "\(key)")
                #expect(got.mx.isEmpty && got.validUntil == nil, "\(key)")
                // Never `secure` for a DANE destination: the Postfix answer is DANE's level or TEMP.
                switch PostfixMap.answer(for: got) {
                case .found(let value): #expect(level.map { $0.rawValue } == value, "\(key)")
                case .temporaryFailure: #expect(defers, "\(key)")
                default: Issue.record("\(key): \(PostfixMap.answer(for: got))")
                }
                continue
            }
            let want = try #require(expected["\(stsName)/\(listName)"])
            if daneName == "dane-unusable", unusableFallsBackToDANE.contains("\(stsName)/\(listName)") {
                #expect(got.source == .dane && got.daneLevel == .dane && got.mode == .none && got.temporaryFailure == nil, "\(key)")
                #expect(PostfixMap.answer(for: got) == .found("dane"), "\(key)")
                continue
            }
            let without = PolicyMerge.decide(domain: domain, mtaSTS: stsState, listEntry: entry, now: now)
            #expect(got.source == want.0 && got.mode == want.1 && (got.temporaryFailure != nil) == want.defers, "\(key)")
            #expect(got.daneLevel == nil, "\(key)")
            #expect(got.mx == without.mx && got.validUntil == without.validUntil, "\(key)")
            #expect(PostfixMap.answer(for: got) == PostfixMap.answer(for: without), "\(key)")
        }
    }

    @Test func theDANEAnswersForPostfix() {
        let all = PolicyMerge.decide(domain: domain, dane: daneStates[2].1, mtaSTS: sts(.enforce, validFor: 60),
                                     listEntry: list(.enforce, expiresIn: 60), now: now)
        #expect(PostfixMap.answer(for: all) == .found("dane-only") && all.enforced)
        let bogus = PolicyMerge.decide(domain: domain, dane: daneStates[5].1, mtaSTS: sts(.enforce, validFor: 60),
                                       listEntry: list(.enforce, expiresIn: 60), now: now)
        guard case .temporaryFailure(let why) = PostfixMap.answer(for: bogus) else {
            Issue.record("bogus: \(PostfixMap.answer(for: bogus))")
            return
        }
        #expect(why.contains("bogus") && !bogus.enforced)
    }

    @Test(arguments: stsStates.indices, listStates.indices)
    func decides(stsIndex: Int, listIndex: Int) throws {
        let (stsName, stsState) = stsStates[stsIndex]
        let (listName, entry) = listStates[listIndex]
        let want = try #require(expected["\(stsName)/\(listName)"])
        let got = PolicyMerge.decide(domain: domain, mtaSTS: stsState, listEntry: entry, now: now)
        #expect(got.domain == domain)
        #expect(got.source == want.0, "\(stsName)/\(listName)")
        #expect(got.mode == want.1, "\(stsName)/\(listName)")
        #expect((got.temporaryFailure != nil) == want.defers, "\(stsName)/\(listName)")
        #expect(got.enforced == (want.1 == .enforce), "\(stsName)/\(listName)")
        #expect(!got.note.isEmpty)
        // Patterns and validity come from the source that decided.
        switch got.source {
        case .mtaSTS:
            #expect(got.mx == (got.mode == .none ? [] : stsMX))
            #expect(got.validUntil == now.adding(seconds: 3600))
        case .preload:
            #expect(got.mx == listMX)
            #expect(got.validUntil == entry?.listExpires)
        case .none:
            #expect(got.mx.isEmpty)
            #expect(got.validUntil == nil)
        case .dane:
            Issue.record("DANE decided without a DANE state")
        }
    }

    @Test func aListEntryExpiresAtTheExactSecond() {
        let entry = list(.enforce, expiresIn: 10)
        let before = PolicyMerge.decide(domain: domain, mtaSTS: .noneKnown(), listEntry: entry, now: now.adding(seconds: 9))
        let at = PolicyMerge.decide(domain: domain, mtaSTS: .noneKnown(), listEntry: entry, now: now.adding(seconds: 10))
        #expect(before.source == .preload && before.enforced)
        #expect(at.source == .none && !at.enforced)
    }

    @Test func aCachedPolicyExpiresAtTheExactSecond() {
        let state = sts(.enforce, validFor: 10)
        #expect(PolicyMerge.decide(domain: domain, mtaSTS: state, listEntry: nil, now: now.adding(seconds: 9)).source == .mtaSTS)
        #expect(PolicyMerge.decide(domain: domain, mtaSTS: state, listEntry: nil, now: now.adding(seconds: 10)).source == .none)
    }

    @Test func daneNotEvaluatedIsADocumentedGap() {
        // Without a validating resolver, a decision equals one made before DANE existed.
        let withDefault = PolicyMerge.decide(domain: domain, mtaSTS: .noneKnown(), listEntry: list(.enforce, expiresIn: 60), now: now)
        let explicit = PolicyMerge.decide(domain: domain, dane: .notEvaluated, mtaSTS: .noneKnown(),
                                          listEntry: list(.enforce, expiresIn: 60), now: now)
        #expect(withDefault == explicit)
        #expect(PolicyMerge.daneGap.contains("DANE"))
    }
}
