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

@Suite struct PolicyMergeTests {
    @Test func theTableCoversEveryCombination() {
        #expect(expected.count == stsStates.count * listStates.count)
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

    @Test func daneIsADocumentedGap() {
        // The only DANE state; a decision with it equals one without it.
        let withDefault = PolicyMerge.decide(domain: domain, mtaSTS: .noneKnown(), listEntry: list(.enforce, expiresIn: 60), now: now)
        let explicit = PolicyMerge.decide(domain: domain, dane: .notEvaluated, mtaSTS: .noneKnown(),
                                          listEntry: list(.enforce, expiresIn: 60), now: now)
        #expect(withDefault == explicit)
        #expect(PolicyMerge.daneGap.contains("DANE"))
    }
}
