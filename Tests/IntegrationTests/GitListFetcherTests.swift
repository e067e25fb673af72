import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadSigning
import PreloadTesting
import Testing

/// The client's git source and the signed-list verifier behind `ListVerifying`.
@Suite("Git list source", .serialized) struct GitListFetcherTests {
    @Test func fetchesThePublishedListAndTheVerifierIndexesIt() async throws {
        let scratch = try ScratchDirectory("preload-git-source")
        let key = try Ed25519PrivateKey.generate()
        let origin = try await ListRepo(scratch)
        try origin.publish(key, entries: [try SignFixtures.entry("a.example")], bootstrap: true, publisher: "ops@example.org")
        let signers = String(decoding: origin.work("list/allowed_signers")!, as: UTF8.self)
        let verifier = SignedListVerifier(trust: try ListTrust(.allowedSigners(signers)))
        let now = SignFixtures.t0.adding(days: 1)
        let fetcher = GitListFetcher(cacheDirectory: scratch.file("cache"), commits: CommitSignatureVerifier(trust: verifier.trust),
                                     clock: FixedTime(now))

        guard case .fetched(let list1, let sig1) = await fetcher.fetch(.git(origin.path)) else {
            Issue.record("first fetch failed")
            return
        }
        let index1 = try verifier.verifyForInstall(list1, signature: sig1, minimumSerial: nil, now: now)
        #expect(index1.serial == 1)
        #expect(index1.entry(for: try DomainName("a.example"))?.mode == .enforce)

        try origin.publish(key, entries: [], at: now)
        guard case .fetched(let list2, let sig2) = await fetcher.fetch(.git(origin.path)) else {
            Issue.record("second fetch failed")
            return
        }
        #expect(try verifier.verifyForInstall(list2, signature: sig2, minimumSerial: 1, now: now).serial == 2)
        // Rollback and expiry are refused for installation; the installed copy may be expired.
        #expect { try verifier.verifyForInstall(list1, signature: sig1, minimumSerial: 2, now: now) } throws: {
            ($0 as? ListRefusal)?.code == "list.rollback"
        }
        let late = now.adding(days: 30)
        #expect { try verifier.verifyForInstall(list2, signature: sig2, minimumSerial: nil, now: late) } throws: {
            ($0 as? ListRefusal)?.code == "list.expired"
        }
        #expect(try verifier.verifyInstalled(list2, signature: sig2, now: late).isExpired(at: late))

        // A source that is not there is unreachable, not refused.
        guard case .unreachable = await fetcher.fetch(.git(scratch.file("nowhere"))) else {
            Issue.record("a missing repository should be unreachable")
            return
        }
    }
}
