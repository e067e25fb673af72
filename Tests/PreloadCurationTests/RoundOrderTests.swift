import PreloadCore
import Testing
@testable import PreloadCuration

/// The order of a round's claims: failing domains (whose timeouts would otherwise be the round's tail) spread
/// over its first half, the others in name order over all of it.
@Suite struct RoundOrderTests {
    private func names(_ raw: [String]) throws -> [DomainName] { try raw.map { try DomainName($0) } }

    @Test func withoutFailingDomainsTheOrderIsByName() throws {
        let domains = try names(["c.test", "a.test", "b.test"])
        #expect(RoundOrder.arrange(domains, failing: []).map(\.value) == ["a.test", "b.test", "c.test"])
        #expect(RoundOrder.arrange(domains, failing: Set(domains)).map(\.value) == ["a.test", "b.test", "c.test"])
        #expect(RoundOrder.arrange([], failing: []).isEmpty)
    }

    @Test func failingDomainsAreSpreadOverTheFirstHalf() throws {
        let all = try names((0..<20).map { String(format: "d%02d.test", $0) })
        let failing = Set(all.suffix(4))  // the last four by name
        let order = RoundOrder.arrange(all.shuffled(), failing: failing)
        #expect(Set(order) == Set(all) && order.count == all.count)
        let places = order.enumerated().filter { failing.contains($0.element) }.map(\.offset)
        #expect(places == [0, 3, 6, 9], "\(order.map(\.value))")
        // The others keep their name order.
        #expect(order.filter { !failing.contains($0) } == Array(all.prefix(16)))
    }

    @Test func theOrderDependsOnlyOnTheDomains() throws {
        let all = try names((0..<50).map { "n\($0).test" })
        let failing = Set(all.enumerated().filter { $0.offset % 7 == 3 }.map(\.element))
        #expect(RoundOrder.arrange(all, failing: failing) == RoundOrder.arrange(all.reversed(), failing: failing))
    }
}
