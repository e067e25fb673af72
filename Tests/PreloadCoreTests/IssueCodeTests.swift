import Foundation
import Testing

@testable import PreloadCore

/// The typed issue codes and the catalogue are one list: every constant has a catalogue entry (so emitting
/// a code that is not catalogued does not compile), every entry has a constant, and their text is stable.
@Suite struct IssueCodeTests {
    /// The `public static let name = IssueCode(rawValue: "code")` lines of `IssueCodes.swift`, in order.
    static func declaredConstants() throws -> [(name: String, code: String)] {
        let file = ListTestSupport.repoRoot.appendingPathComponent("Sources/PreloadCore/Issues/IssueCodes.swift")
        let text = try String(contentsOf: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\"")
            guard line.contains("public static let "), parts.count == 3,
                  let name = line.split(separator: " ").dropFirst(3).first else { return nil }
            return (String(name), String(parts[1]))
        }
    }

    @Test func everyConstantIsACatalogueEntryInCatalogueOrder() throws {
        let declared = try Self.declaredConstants()
        #expect(declared.map(\.code) == IssueCatalogue.all.map(\.code.rawValue))
        #expect(Set(declared.map(\.name)).count == declared.count)
    }

    @Test func constantsAreNamedAfterTheirCode() throws {
        for (name, code) in try Self.declaredConstants() {
            let parts = code.split(whereSeparator: { $0 == "." || $0 == "-" })
            let expected = String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            #expect(name == expected, "\(code)")
        }
    }

    @Test func constantsCarryTheCatalogueText() {
        #expect(IssueCode.mtaStsPolicyContentType.rawValue == "mta-sts.policy-content-type")
        #expect(IssueCode.dnsLookupFailed.entry?.severity == .error)
        #expect(IssueCode.tlsCertExpiringSoon.entry?.severity == .warning)
        #expect(Issue(.tlsCertExpiringSoon, "soon").severity == .warning)
    }
}
