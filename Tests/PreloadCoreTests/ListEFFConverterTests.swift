import Foundation
import PreloadTesting
import Testing

@testable import PreloadCore

@Suite("EFF v0.1 import and export")
struct ListEFFConverterTests {
    typealias S = ListTestSupport

    private func imported() throws -> (PreloadList, [PreloadCore.Issue]) {
        let result = EFFListConverter.importList(try S.effBytes)
        let list = try #require(result.list, "EFF list rejected: \(result.issues.filter { $0.severity == .error })")
        return (list, result.issues)
    }

    @Test func importsTheFinalEFFList() throws {
        let (list, issues) = try imported()
        let counts = ListCounts(list)
        #expect(counts.domains == 926)
        #expect(counts.enforce == 361)
        #expect(counts.testing == 553)
        #expect(counts.aliasReferences == 12)
        #expect(counts.aliases == 4)
        #expect(Set(list.aliases.keys) == ["google", "icloud", "outlook", "yahoo"])
        #expect(!issues.hasErrors)
        #expect(ListValidator.validate(list).isEmpty)
        // Every entry carries the EFF timestamp as its provenance.
        let stamp = S.t("2020-05-20T17:25:12Z")
        #expect(list.generated == stamp)
        #expect(list.expires == S.t("2020-06-03T17:25:12Z"))
        #expect(list.serial == UInt64(stamp.secondsSince1970))
        #expect(list.publisher == "Electronic Frontier Foundation https://eff.org")
        #expect(list.entries.allSatisfy { $0.provenance == Provenance(method: .effImport, added: stamp, verified: stamp) })
        #expect(ListCodec.isStrictlySorted(list.entries))
    }

    @Test func aliasReferencesArePreserved() throws {
        let (list, _) = try imported()
        let refs = Dictionary(uniqueKeysWithValues: list.entries.compactMap { e -> (String, String)? in
            if case .alias(let name) = e.policy { return (e.domain.value, name) }
            return nil
        })
        #expect(refs.count == 12)
        #expect(refs["yahoo.com"] == "yahoo")
        #expect(refs["hotmail.com"] == "outlook")
        #expect(refs["me.com"] == "icloud")
        #expect(refs["salesforce.com"] == "google")
    }

    @Test func suffixesBecomeOneLabelWildcardsAndAreReported() throws {
        let (list, issues) = try imported()
        let eff = try #require(list.entries.first { $0.domain.value == "eff.org" })
        #expect(eff.policy == .patterns(mode: .testing, mx: [S.p("*.eff.org")]))
        let yahoo = try #require(list.aliases["yahoo"])
        #expect(yahoo.mx.map(\.description)
            == ["*.am0.yahoodns.net", "mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net", "mta7.am0.yahoodns.net"])
        let inexact = issues.filter { $0.code == "list.conversion-inexact" }
        #expect(inexact.contains { $0.subject == "$.policies[\"eff.org\"].mxs" })
        #expect(inexact.contains { $0.subject == "$[\"policy-aliases\"][\"yahoo\"].mxs" })
        // One warning per policy with suffixes: 188 suffix entries in the file, fewer policies.
        #expect(inexact.count == 145)
        #expect(inexact.allSatisfy { $0.severity == .warning })
    }

    @Test func uppercaseNamesAndOffsetTimesAreNormalised() throws {
        let (list, issues) = try imported()
        let shintag = try #require(list.entries.first { $0.domain.value == "shintag.com" })
        guard case .patterns(_, let mx) = shintag.policy else {
            Testing.Issue.record("shintag.com should have its own patterns")
            return
        }
        #expect(mx.map(\.description) == [
            "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com", "alt3.aspmx.l.google.com", "alt4.aspmx.l.google.com",
            "aspmx.l.google.com",
        ])
        let notes = issues.filter { $0.code == "list.conversion-normalized" }
        #expect(notes.contains { $0.subject == "$.timestamp" })
        #expect(notes.contains { $0.subject == "$.expires" })
        #expect(notes.contains { $0.subject == "$.policies[\"shintag.com\"].mxs" })
    }

    @Test func importHandlesOtherEFFTimeForms() throws {
        func importTimes(_ ts: String, _ ex: String) -> ListDecoding {
            EFFListConverter.importList(Array("""
                {"timestamp": \(ts), "expires": \(ex), "version": "0.1", "author": "a",
                 "policy-aliases": {}, "policies": {"example.com": {"mode": "enforce", "mxs": ["mx.example.com"]}}}
                """.utf8))
        }
        let epoch = try #require(importTimes("1589995512", "1591205112").list)
        #expect(epoch.generated == S.t("2020-05-20T17:25:12Z"))
        let compactOffset = try #require(importTimes("\"2020-05-20T10:25:12-0700\"", "\"2020-06-03T17:25:12Z\"").list)
        #expect(compactOffset.generated == S.t("2020-05-20T17:25:12Z"))
        #expect(importTimes("\"yesterday\"", "1591205112").list == nil)
        // expires must still be after timestamp once converted.
        #expect(importTimes("1591205112", "1589995512").list == nil)
    }

    @Test func importChecksEFFsOwnRules() {
        func errors(_ policies: String, aliases: String = "{}", extra: String = "") -> [String?] {
            let json = """
                {"timestamp": "2020-05-20T17:25:12Z", "expires": "2020-06-03T17:25:12Z", "version": "0.1", \(extra)
                 "policy-aliases": \(aliases), "policies": \(policies)}
                """
            let result = EFFListConverter.importList(Array(json.utf8))
            #expect(result.list == nil, "accepted: \(json)")
            return result.issues.filter { $0.severity == .error }.map(\.subject)
        }
        #expect(errors("{\"a.example\": {\"policy-alias\": \"nope\"}}") == ["$.policies[\"a.example\"][\"policy-alias\"]"])
        #expect(errors("{\"a.example\": {\"policy-alias\": \"x\", \"mode\": \"enforce\"}}",
            aliases: "{\"x\": {\"mode\": \"testing\", \"mxs\": [\"mx.x.example\"]}}") == ["$.policies[\"a.example\"]"])
        #expect(errors("{\"a.example\": {\"mode\": \"enforce\", \"mxs\": []}}") == ["$.policies[\"a.example\"].mxs"])
        #expect(errors("{\"a.example\": {\"mode\": \"enforce\", \"mxs\": [\".com\"]}}") == ["$.policies[\"a.example\"].mxs[0]"])
        #expect(errors("{\"a.example\": {\"mode\": \"on\", \"mxs\": [\"mx.a.example\"]}}") == ["$.policies[\"a.example\"].mode"])
        #expect(errors("{\"a.example\": {\"mode\": \"enforce\", \"mxs\": [\"m.a.example\"], \"pin\": \"p\"}}")
            == ["$.policies[\"a.example\"].pin"])
        #expect(errors("{}", extra: "\"pinsets\": {},") == ["$.pinsets"])
        #expect(errors("{\"a_b.example\": {\"mode\": \"enforce\", \"mxs\": [\"m.example\"]}}") == ["$.policies[\"a_b.example\"]"])
        #expect(errors("{\"A.example\": {\"mode\": \"enforce\", \"mxs\": [\"m.example\"]}, \"a.example\": {\"mode\": \"enforce\", \"mxs\": [\"m.example\"]}}")
            == ["$.policies[\"a.example\"]"])
    }

    @Test func exportUsesTheLegacyShape() throws {
        let export = EFFListConverter.export(S.sampleList())
        let text = String(decoding: export.bytes, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"timestamp\": \"2026-11-29T05:00:00Z\",\n  \"expires\": \"2026-12-13T05:00:00Z\",\n  \"version\": \"0.1\",\n  \"author\": \"preload tests\",\n  \"policy-aliases\": {\n    \"provider\": {\n      \"mode\": \"enforce\",\n      \"mxs\": [\n        \".mx.provider.example\",\n        \"mx.provider.example\"\n      ]\n    }\n  },"))
        #expect(text.contains("\"customer.example\": {\n      \"policy-alias\": \"provider\"\n    }"))
        #expect(text.hasSuffix("}\n}\n"))
        #expect(!text.contains("*."))
        #expect(!text.contains("provenance") && !text.contains("serial"))
        #expect(export.issues.filter { $0.code == "list.conversion-inexact" }.compactMap(\.subject).sorted()
            == ["$.policies[\"example.org\"].mxs", "$[\"policy-aliases\"][\"provider\"].mxs"])
        #expect(ListCodec.detectFormat(export.bytes) == .effV01)
    }

    @Test func exportThenImportGivesTheSameList() throws {
        let (list, _) = try imported()
        let again = try #require(EFFListConverter.importList(EFFListConverter.export(list).bytes).list)
        #expect(again == list)
        // A v1 list keeps everything but serial and provenance through a v0.1 round trip.
        let sample = S.sampleList()
        let back = try #require(EFFListConverter.importList(EFFListConverter.export(sample).bytes).list)
        #expect(back.aliases == sample.aliases.mapValues { AliasPolicy(mode: $0.mode, mx: $0.mx.sorted()) })
        #expect(back.entries.map(\.domain) == sample.entries.map(\.domain).sorted())
        #expect(back.entries.map(\.policy) == sample.entries.sorted { $0.domain < $1.domain }.map(\.policy).map { policy in
            if case .patterns(let m, let mx) = policy { return .patterns(mode: m, mx: mx.sorted()) }
            return policy
        })
    }

    @Test func exportIsValidAgainstEFFsSchema() async throws {
        try await S.requirePython("jsonschema")
        let (list, _) = try imported()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-eff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("policy.json")
        try Data(EFFListConverter.export(list).bytes).write(to: file)
        let run = try await S.python("""
            import json, sys, jsonschema
            v = jsonschema.Draft7Validator(json.load(open(sys.argv[1])))
            for e in v.iter_errors(json.load(open(sys.argv[2]))):
                print(e.json_path, e.message[:200])
            """, [try S.fixture("eff-2020/eff-policy-0.1.schema.json").path, file.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty, "EFF schema errors: \(run.stdout)")
    }

    /// EFF's own client loads the exported file and writes one `secure` Postfix line per enforce entry.
    @Test func starttlsPolicyCLIAcceptsTheExport() async throws {
        let prelude = "import collections, collections.abc\ncollections.Mapping = collections.abc.Mapping\n"
        try await S.requirePython("starttls_policy_cli.configure", prelude: prelude)
        var (list, _) = try imported()
        // The client refuses expired lists (it then writes an empty map): give the list a far expiry.
        list.expires = S.t("2999-01-01T00:00:00Z")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(EFFListConverter.export(list).bytes).write(to: dir.appendingPathComponent("policy.json"))
        let run = try await S.python(prelude + """
            import os, sys
            from starttls_policy_cli import configure, policy
            config = policy.Config(filename=os.path.join(sys.argv[1], "policy.json"))
            config.load()
            assert len(config) == 926, len(config)
            generator = configure.PostfixGenerator(sys.argv[1])
            generator.generate()
            sys.stdout.write(open(os.path.join(sys.argv[1], generator.default_filename)).read())
            """, [dir.path])
        try #require(run.status == 0, "starttls-policy-cli failed: \(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let secure = lines.filter { $0.contains(" secure match=") }
        #expect(secure.count == 361)
        #expect(lines.filter { $0.hasPrefix("# ") && $0.hasSuffix("undefined due to testing policy") }.count == 565)
        // Each secure line carries the exported patterns, EFF suffix style.
        let gmail = try #require(secure.first { $0.hasPrefix("gmail.com ") })
        #expect(gmail.hasSuffix("secure match=.gmail-smtp-in.l.google.com:gmail-smtp-in.l.google.com"))
        let enforced = Set(list.entries.filter { if case .patterns(.enforce, _) = $0.policy { true } else { false } }.map(\.domain.value))
        #expect(Set(secure.map { String($0.prefix { $0 != " " }) }) == enforced)
    }
}
