import PreloadTesting
import Testing

@testable import PreloadCore

@Suite("List diff")
struct ListDiffTests {
    typealias S = ListTestSupport

    @Test func identicalListsHaveNoChanges() {
        let diff = ListDiff(old: S.sampleList(serial: 7), new: S.sampleList(serial: 8))
        #expect(diff.isEmpty)
        #expect(diff.otherwiseChanged == 0)
        #expect(diff.summary == "List serial 8: no domain changes\n\nPrevious serial: 7")
    }

    @Test func reportsAddedRemovedModeAndPatternChanges() throws {
        let old = S.sampleList(serial: 7)
        var new = S.sampleList(serial: 8)
        new.entries.removeAll { $0.domain.value == "example.com" }
        new.entries.append(S.entry("new.example", .enforce, ["mx.new.example"]))
        new.entries.append(S.entry("another.example", .testing, ["mx.another.example"]))
        let i = try #require(new.entries.firstIndex { $0.domain.value == "example.org" })
        new.entries[i] = S.entry("example.org", .enforce, ["mx1.example.org", "mx3.example.org", "*.mail.example.org"],
            method: .manual)

        let diff = ListDiff(old: old, new: new)
        #expect(diff.added.map(\.value) == ["another.example", "new.example"])
        #expect(diff.removed.map(\.value) == ["example.com"])
        #expect(diff.modeChanges == [.init(domain: S.d("example.org"), from: .testing, to: .enforce)])
        #expect(diff.patternChanges == [.init(domain: S.d("example.org"), added: [S.p("mx3.example.org")],
            removed: [S.p("mx2.example.org")])])
        #expect(diff.aliasesChanged.isEmpty)
        let lines = diff.summary.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "List serial 8: 2 added, 1 removed, 1 mode change, 1 pattern change")
        #expect(lines[1] == "")
        #expect(lines.contains("Added (2): another.example, new.example"))
        #expect(lines.contains("Removed (1): example.com"))
        #expect(lines.contains("Mode changes (1): example.org testing -> enforce"))
        #expect(lines.contains("Pattern changes (1): example.org (+mx3.example.org -mx2.example.org)"))
    }

    @Test func aliasChangesReachEveryReferringDomain() {
        let old = S.sampleList()
        var new = S.sampleList(serial: 8)
        new.aliases["provider"] = AliasPolicy(mode: .testing, mx: [S.p("mx.provider.example")])
        new.entries.append(S.aliasEntry("second.example", "provider"))
        let diff = ListDiff(old: old, new: new)
        #expect(diff.added.map(\.value) == ["second.example"])
        #expect(diff.aliasesChanged == ["provider"])
        #expect(diff.modeChanges.map(\.domain.value) == ["customer.example"])
        #expect(diff.patternChanges.first?.removed == [S.p("*.mx.provider.example")])
    }

    @Test func switchingToAnEqualAliasOrReverifyingIsNotAPolicyChange() throws {
        let old = S.sampleList()
        var new = S.sampleList(serial: 8)
        let i = try #require(new.entries.firstIndex { $0.domain.value == "customer.example" })
        new.entries[i].policy = .patterns(mode: .enforce, mx: [S.p("mx.provider.example"), S.p("*.mx.provider.example")])
        let j = try #require(new.entries.firstIndex { $0.domain.value == "example.com" })
        new.entries[j].provenance.verified = S.t("2026-11-28T00:00:00Z")
        let diff = ListDiff(old: old, new: new)
        #expect(diff.isEmpty)
        #expect(diff.otherwiseChanged == 2)
        #expect(diff.summary.contains("2 domains re-verified or otherwise updated"))
    }

    @Test func firstListAddsEverything() {
        let diff = ListDiff(old: nil, new: S.sampleList(serial: 1))
        #expect(diff.oldSerial == nil)
        #expect(diff.added.count == 3)
        #expect(diff.summary.hasPrefix("List serial 1: 3 added\n\nAdded (3): customer.example, example.com, example.org"))
    }

    @Test func longSectionsAreCut() {
        let diff = ListDiff(old: nil, new: S.syntheticList(count: 120))
        let added = diff.summary.split(separator: "\n").first { $0.hasPrefix("Added (120): ") }
        #expect(added?.hasSuffix(", and \(120 - ListDiff.summaryNameLimit) more") == true)
    }

    @Test func linearOnLargeLists() async throws {
        let diff = try await onThread {  // off the cooperative pool, which other tests' servers need
            let a = S.syntheticList(count: 20_000, serial: 1)
            var b = S.syntheticList(count: 20_000, serial: 2)
            b.entries.removeFirst(100)
            return ListDiff(old: a, new: b)
        }
        #expect(diff.removed.count == 100)
        #expect(diff.added.isEmpty && diff.modeChanges.isEmpty && diff.patternChanges.isEmpty)
    }
}
