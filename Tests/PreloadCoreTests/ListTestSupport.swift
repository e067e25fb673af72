import Foundation
import PreloadTesting
import Testing

@testable import PreloadCore

/// Shared helpers for the list tests: files, sample lists, Python.
enum ListTestSupport {
    /// The repository root, from this file's path (Tests/PreloadCoreTests/ListTestSupport.swift).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let schemaDir = repoRoot.appendingPathComponent("policy-schema")
    static let schemaFile = schemaDir.appendingPathComponent("preload-list-v1.schema.json")

    /// The example files of one folder (`valid`, `invalid`, `invalid-semantic`), sorted.
    static func examples(_ folder: String) throws -> [URL] {
        let dir = schemaDir.appendingPathComponent("examples").appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// A file from the copied `Fixtures` folder.
    static func fixture(_ path: String) throws -> URL {
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures").appendingPathComponent(path)
        #expect(FileManager.default.fileExists(atPath: url.path), "missing fixture \(path)")
        return url
    }

    static var effBytes: [UInt8] { get throws { try bytes(fixture("eff-2020/eff-policy.json")) } }

    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s, strictUTC: true)! }
    static func d(_ s: String) -> DomainName { try! DomainName(s) }
    static func p(_ s: String) -> MXPattern { try! MXPattern(s) }

    static func entry(_ domain: String, _ mode: ListMode = .enforce, _ mx: [String],
                      method: AdmissionMethod = .mtaSTS) -> ListEntry
    {
        ListEntry(domain: d(domain), policy: .patterns(mode: mode, mx: mx.map(p)),
            provenance: Provenance(method: method, added: t("2026-10-01T00:00:00Z"), verified: t("2026-11-01T00:00:00Z")))
    }

    static func aliasEntry(_ domain: String, _ alias: String) -> ListEntry {
        ListEntry(domain: d(domain), policy: .alias(alias),
            provenance: Provenance(method: .manual, added: t("2026-10-01T00:00:00Z"), verified: t("2026-11-01T00:00:00Z")))
    }

    /// A small valid list with an alias.
    static func sampleList(serial: UInt64 = 7) -> PreloadList {
        PreloadList(serial: serial, generated: t("2026-11-29T05:00:00Z"), expires: t("2026-12-13T05:00:00Z"),
            publisher: "preload tests",
            aliases: ["provider": AliasPolicy(mode: .enforce, mx: [p("mx.provider.example"), p("*.mx.provider.example")])],
            entries: [
                entry("example.com", .enforce, ["mail.example.com"]),
                aliasEntry("customer.example", "provider"),
                entry("example.org", .testing, ["mx2.example.org", "*.mail.example.org", "mx1.example.org"], method: .manual),
            ])
    }

    /// A synthetic list of `count` domains.
    static func syntheticList(count: Int, serial: UInt64 = 1) -> PreloadList {
        var entries: [ListEntry] = []
        entries.reserveCapacity(count)
        for i in 0..<count {
            let name = "domain\(i).example"
            entries.append(i % 10 == 0 ? aliasEntry(name, "provider")
                : entry(name, i % 3 == 0 ? .testing : .enforce, ["mx1.\(name)", "*.mx.\(name)"]))
        }
        var list = sampleList(serial: serial)
        list.entries = entries
        return list
    }

    // MARK: Python

    struct PythonResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `python3 -c script args...` through ``Tool/run(_:_:cwd:stdin:environment:timeout:)`` (which waits
    /// off the cooperative pool), with the test's own HOME: a python3 found through pyenv's shims needs it.
    static func python(_ script: String, _ args: [String] = []) async throws -> PythonResult {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let out = try await Tool.run("python3", ["-c", script] + args, environment: ["HOME": home])
        return PythonResult(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }

    /// Fails the test clearly when `module` cannot be imported (CI installs it through tools/setup).
    static func requirePython(_ module: String, prelude: String = "") async throws {
        let r = try await python(prelude + "import \(module)")
        try #require(r.status == 0,
            "python3 with the module \(module) is required (tools/setup installs it): \(r.stderr)")
    }
}
