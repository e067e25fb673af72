import Foundation
import PreloadTesting
import Testing

@testable import PreloadCore

/// The examples in `policy-schema/examples/`, the Swift decoder, and Python's `jsonschema` over
/// `policy-schema/preload-list-v1.schema.json` must agree.
@Suite("List schema and examples")
struct ListSchemaTests {
    typealias S = ListTestSupport

    @Test func thereAreEnoughExamples() throws {
        #expect(try S.examples("valid").count >= 5)
        #expect(try S.examples("invalid").count >= 15)
        #expect(try S.examples("invalid-semantic").count >= 5)
    }

    @Test func swiftAcceptsEveryValidExample() throws {
        for url in try S.examples("valid") {
            let result = ListCodec.decode(try S.bytes(url))
            #expect(result.isValid, "\(url.lastPathComponent): \(result.issues)")
            #expect(!result.issues.hasErrors)
        }
    }

    @Test func swiftRejectsEveryInvalidExampleWithAPath() throws {
        for url in try S.examples("invalid") + S.examples("invalid-semantic") {
            let result = ListCodec.decode(try S.bytes(url))
            #expect(!result.isValid, "\(url.lastPathComponent) was accepted")
            let errors = result.issues.filter { $0.severity == .error }
            #expect(!errors.isEmpty && errors.allSatisfy { $0.code == "list.invalid" && $0.subject != nil },
                "\(url.lastPathComponent): \(errors)")
        }
    }

    @Test func unusedAliasIsAWarningNotAnError() throws {
        let url = S.schemaDir.appendingPathComponent("examples/valid/alias-unused.json")
        let result = ListCodec.decode(try S.bytes(url))
        #expect(result.isValid)
        #expect(result.issues.map(\.code) == ["list.alias-unused"])
        #expect(result.issues.first?.subject == "$.aliases[\"spare\"]")
    }

    /// Semantic examples name the rule; each must fail on that rule's path.
    @Test func semanticExamplesFailOnTheirRule() throws {
        let expected: [String: String] = [
            "alias-reference-undefined.json": "$.domains[\"customer.example\"].alias",
            "aliases-not-sorted.json": "$.aliases[\"another\"]",
            "domains-not-sorted.json": "$.domains[\"example.com\"]",
            "domain-duplicate-key.json": "$.domains[\"example.com\"]",
            "expires-before-generated.json": "$.expires",
            "expires-not-after-generated.json": "$.expires",
            "mx-not-sorted.json": "$.domains[\"example.org\"].mx[1]",
            "provenance-verified-before-added.json": "$.domains[\"example.com\"].provenance.verified",
            "provenance-added-after-generated.json": "$.domains[\"example.com\"].provenance.added",
            "serial-written-as-fraction.json": "$.serial",
            "format-written-with-exponent.json": "$.format",
            "top-level-duplicate-key.json": "$.serial",
            "alias-duplicate-key.json": "$.aliases[\"example-provider\"]",
            "provenance-duplicate-key.json": "$.domains[\"example.com\"].provenance.method",
        ]
        for url in try S.examples("invalid-semantic") {
            let path = try #require(expected[url.lastPathComponent], "no expectation for \(url.lastPathComponent)")
            let subjects = ListCodec.decode(try S.bytes(url)).issues.filter { $0.severity == .error }.compactMap(\.subject)
            #expect(subjects.contains(path), "\(url.lastPathComponent): \(subjects)")
        }
    }

    /// Runs Python's `jsonschema` (draft 2020-12) over every example: it must accept exactly the files the Swift
    /// decoder accepts, except `invalid-semantic/`, which it accepts and the Swift decoder rejects.
    @Test func pythonJSONSchemaAgreesWithTheSwiftDecoder() async throws {
        try await S.requirePython("jsonschema")
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1], encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            result = {}
            for path in sys.argv[2:]:
                with open(path, encoding="utf-8") as f:
                    result[path] = validator.is_valid(json.load(f))
            print(json.dumps(result))
            """
        var files: [(URL, String)] = []
        for folder in ["valid", "invalid", "invalid-semantic"] {
            files += try S.examples(folder).map { ($0, folder) }
        }
        let run = try await S.python(script, [S.schemaFile.path] + files.map(\.0.path))
        try #require(run.status == 0, "jsonschema failed: \(run.stderr)")
        let verdicts = try JSONDecoder().decode([String: Bool].self, from: Data(run.stdout.utf8))
        #expect(verdicts.count == files.count)
        for (url, folder) in files {
            guard let schemaValid = verdicts[url.path] else {
                Testing.Issue.record("no jsonschema verdict for \(url.lastPathComponent)")
                continue
            }
            let swiftValid = ListCodec.decode(try S.bytes(url)).isValid
            switch folder {
            case "invalid-semantic":
                #expect(schemaValid && !swiftValid, "\(folder)/\(url.lastPathComponent): schema \(schemaValid), swift \(swiftValid)")
            default:
                #expect(schemaValid == swiftValid && swiftValid == (folder == "valid"),
                    "\(folder)/\(url.lastPathComponent): schema \(schemaValid), swift \(swiftValid)")
            }
        }
    }

    /// Lists the encoder writes (synthetic and imported) validate against the schema too.
    @Test func encodedListsValidateAgainstTheSchema() async throws {
        try await S.requirePython("jsonschema")
        let imported = try #require(EFFListConverter.importList(try S.effBytes).list)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = [("sample.json", S.sampleList()), ("synthetic.json", S.syntheticList(count: 300)), ("eff.json", imported)]
        for (name, list) in files {
            try Data(ListCodec.encode(list)).write(to: dir.appendingPathComponent(name))
        }
        let run = try await S.python("""
            import json, sys, jsonschema
            v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            for p in sys.argv[2:]:
                for e in v.iter_errors(json.load(open(p))):
                    print(p, e.json_path, e.message[:200])
            """, [S.schemaFile.path] + files.map { dir.appendingPathComponent($0.0).path })
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty, "schema errors: \(run.stdout)")
    }
}
