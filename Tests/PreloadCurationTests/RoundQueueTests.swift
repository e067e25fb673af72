import PreloadCore
import Testing
@testable import PreloadCuration

/// The order a worker starts its claimed domains in: the ones expected to be slow first, in at most three
/// quarters of the slots, the others beside them; slow ones in any slot once nothing else can come.
@Suite struct RoundQueueTests {
    private func items(_ list: [(String, Int64?)]) throws -> [RunItemRow] {
        try list.map { RunItemRow(runId: 1, domain: try DomainName($0.0), done: false, expectedMs: $0.1) }
    }

    @Test func slowDomainsStartFirstInAtMostThreeQuartersOfTheSlots() throws {
        var queue = RoundQueue(slowMs: 2_000, concurrency: 4)  // three slow slots
        #expect(queue.slowSlots == 3)
        try queue.add(items([("s1.test", 5_000), ("s2.test", 2_000), ("s3.test", 3_000), ("s4.test", 9_000),
                             ("f1.test", 1_999), ("f2.test", nil)]))
        var started: [String] = []
        while let (domain, _) = queue.next(othersMayCome: true) { started.append(domain.value) }
        // Three slow ones (their cap), then the others; the fourth slow one waits for a slow slot.
        #expect(started == ["s1.test", "s2.test", "s3.test", "f1.test", "f2.test"])
        #expect(queue.slowInFlight == 3 && !queue.isEmpty && queue.wantsMore)
        queue.finished(slow: true)
        #expect(queue.next(othersMayCome: true)?.domain.value == "s4.test")
        #expect(queue.isEmpty && queue.wantsMore)
    }

    @Test func onceNoOtherDomainCanComeSlowOnesTakeAnySlot() throws {
        var queue = RoundQueue(slowMs: 1_000, concurrency: 2)  // one slow slot
        try queue.add(items([("s1.test", 1_000), ("s2.test", 1_500), ("s3.test", 4_000)]))
        #expect(queue.next(othersMayCome: true)?.slow == true)
        #expect(queue.next(othersMayCome: true) == nil)
        #expect(queue.wantsMore)
        #expect(queue.next(othersMayCome: false)?.domain.value == "s2.test")
        #expect(queue.slowInFlight == 2)
    }

    @Test func withoutHistoryEveryDomainIsStartedInClaimOrder() throws {
        var queue = RoundQueue(slowMs: 1_000, concurrency: 1)
        #expect(queue.wantsMore && queue.isEmpty && queue.next(othersMayCome: true) == nil)
        try queue.add(items([("b.test", nil), ("a.test", nil)]))
        #expect(!queue.wantsMore)
        #expect(queue.next(othersMayCome: true)?.domain.value == "b.test")
        #expect(queue.next(othersMayCome: true)?.slow == false)
        #expect(queue.isEmpty)
    }
}
