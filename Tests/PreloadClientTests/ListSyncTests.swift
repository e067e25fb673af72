import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadTesting
import Testing

/// Test lists are `SERIAL:DOMAIN,DOMAIN[@EXPIRES]`; a valid signature is `signed`.
struct FakeListVerifier: ListVerifying {
    func parse(_ bytes: [UInt8], _ signature: String) throws(ListRefusal) -> ListIndex {
        guard signature == "signed" else { throw ListRefusal("list.signature-invalid", "bad signature") }
        var text = String(decoding: bytes, as: UTF8.self)
        var expires = Timestamp(rfc3339: "2026-03-15T00:00:00Z")!
        if let at = text.firstIndex(of: "@") {
            expires = Timestamp(rfc3339: String(text[text.index(after: at)...]))!
            text = String(text[..<at])
        }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let serial = UInt64(parts[0]) else { throw ListRefusal("list.invalid", "bad list") }
        let t = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        let entries = parts[1].split(separator: ",").map { name in
            ListEntry(domain: try! DomainName(String(name)), policy: .patterns(mode: .enforce, mx: [try! MXPattern("mx.\(name)")]),
                      provenance: Provenance(method: .manual, added: t, verified: t))
        }
        return ListIndex(checkedList: PreloadList(serial: serial, generated: t, expires: expires, publisher: "test", entries: entries))
    }

    func verifyForInstall(_ list: [UInt8], signature: String, minimumSerial: UInt64?, now: Timestamp) throws(ListRefusal) -> ListIndex {
        let index = try parse(list, signature)
        if index.isExpired(at: now) { throw ListRefusal("list.expired", "expired") }
        if let minimumSerial, index.serial < minimumSerial { throw ListRefusal("list.rollback", "rollback") }
        return index
    }

    func verifyInstalled(_ list: [UInt8], signature: String, now: Timestamp) throws(ListRefusal) -> ListIndex {
        try parse(list, signature)
    }
}

/// A source whose answer tests set.
final class ScriptedFetcher: ListFetching, @unchecked Sendable {
    private let lock = NSLock()
    private var next: ListFetchResult = .unreachable("nothing scripted")
    func serve(_ list: String, signature: String = "signed") { lock.withLock { next = .fetched(list: Array(list.utf8), signature: signature) } }
    func fail(_ why: String) { lock.withLock { next = .unreachable(why) } }
    func fetch(_ source: ListSource) async -> ListFetchResult { lock.withLock { next } }
}

private func quiet() -> Logger {
    var logger = Logger(label: "sync-test")
    logger.logLevel = .critical
    return logger
}

@Suite struct ListSyncTests {
    let source = ListSource.https("https://lists.example/preload.json")

    @Test func updateUnchangedRollbackTamperUnreachableExpiry() async throws {
        let root = try temporaryDirectory("sync")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        let fetcher = ScriptedFetcher()
        let clock = TestClock(Timestamp(rfc3339: "2026-03-02T00:00:00Z")!)
        let sync = ListSync(state: state, fetcher: fetcher, verifier: FakeListVerifier(), clock: clock, logger: quiet())

        fetcher.serve("5:a.example")
        var report = try await sync.run(source: source)
        #expect(report.result == .updated && report.installed?.serial == 5 && report.previousSerial == nil)

        report = try await sync.run(source: source)
        #expect(report.result == .unchanged && report.installed?.serial == 5)

        fetcher.serve("6:b.example")
        report = try await sync.run(source: source)
        #expect(report.result == .updated && report.previousSerial == 5)
        #expect(FileManager.default.contents(atPath: state.previousListPath) == Data("5:a.example".utf8))

        // Rollback: an older, validly signed list is refused; the installed copy stays.
        fetcher.serve("5:a.example")
        report = try await sync.run(source: source)
        guard case .refused(let refusal) = report.result else { Issue.record("rollback accepted"); return }
        #expect(refusal.code == "list.rollback")
        #expect(state.installed()?.list == Array("6:b.example".utf8))

        // Tampering: a bad signature is refused.
        fetcher.serve("7:evil.example", signature: "forged")
        report = try await sync.run(source: source)
        guard case .refused(let tampered) = report.result else { Issue.record("tampered list accepted"); return }
        #expect(tampered.code == "list.signature-invalid")
        #expect(report.installed?.serial == 6)

        // Unreachable: the installed copy stays.
        fetcher.fail("connection refused")
        report = try await sync.run(source: source)
        #expect(report.result == .unreachable("connection refused") && report.installed?.serial == 6 && !report.installedExpired)

        // Time passes beyond the list's expiry while the source stays down.
        clock.advance(20 * 86400)
        report = try await sync.run(source: source)
        #expect(report.installedExpired)
        // An expired list from the source is refused as well.
        fetcher.serve("8:c.example@2026-03-10T00:00:00Z")
        report = try await sync.run(source: source)
        guard case .refused(let expired) = report.result else { Issue.record("expired list accepted"); return }
        #expect(expired.code == "list.expired" && report.installedExpired)

        // A newer, valid list heals it.
        fetcher.serve("9:c.example@2026-04-30T00:00:00Z")
        report = try await sync.run(source: source)
        #expect(report.result == .updated && !report.installedExpired)
    }

    @Test func theSerialHighWaterMarkOutlivesTheInstalledList() async throws {
        let root = try temporaryDirectory("sync-hwm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        let fetcher = ScriptedFetcher()
        let sync = ListSync(state: state, fetcher: fetcher, verifier: FakeListVerifier(),
                            clock: TestClock(Timestamp(rfc3339: "2026-03-02T00:00:00Z")!), logger: quiet())
        fetcher.serve("10:a.example")
        _ = try await sync.run(source: source)
        try FileManager.default.removeItem(atPath: root + "/current")  // the installed list is lost
        fetcher.serve("9:a.example")
        guard case .refused(let refusal) = try await sync.run(source: source).result else {
            Issue.record("rollback after losing the installed list accepted")
            return
        }
        #expect(refusal.code == "list.rollback")
    }

    @Test func sourceClassification() {
        #expect(ListSource("https://lists.example/preload.json") == .https("https://lists.example/preload.json"))
        #expect(ListSource("https://git.example/preload.git") == .git("https://git.example/preload.git"))
        #expect(ListSource("git+https://git.example/preload") == .git("https://git.example/preload"))
        #expect(ListSource("/var/lib/preload-src/preload.json") == .file("/var/lib/preload-src/preload.json"))
        #expect(ListSource("http://lists.example/preload.json") == nil)
        #expect(ListSource(FileManager.default.temporaryDirectory.path) == .git(FileManager.default.temporaryDirectory.path))
    }

    @Test func localFetcherReadsListAndSignature() async throws {
        let root = try temporaryDirectory("local")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/preload.json"
        try Data("1:a.example".utf8).write(to: URL(fileURLWithPath: path))
        #expect(await LocalListFetcher().fetch(.file(path)) == .unreachable("cannot read '\(path).sig': No such file or directory"))
        try Data("signed".utf8).write(to: URL(fileURLWithPath: path + ".sig"))
        #expect(await LocalListFetcher().fetch(.file(path)) == .fetched(list: Array("1:a.example".utf8), signature: "signed"))
        guard case .refused(let tooLarge) = await LocalListFetcher(maxListBytes: 4).fetch(.file(path)) else {
            Issue.record("an oversized list must be refused")
            return
        }
        #expect(tooLarge.code == "list.too-large")
        // A signature above its cap is refused without being read (not "unreachable": retrying cannot help).
        try Data(repeating: 0x41, count: 64 * 1024 + 1).write(to: URL(fileURLWithPath: path + ".sig"))
        guard case .refused(let bigSignature) = await LocalListFetcher().fetch(.file(path)) else {
            Issue.record("an oversized signature must be refused")
            return
        }
        #expect(bigSignature.code == "list.signature-malformed")
    }

    @Test func mapWriterBuildsAPostfixDatabase() async throws {
        let root = try temporaryDirectory("map")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data().write(to: URL(fileURLWithPath: root + "/main.cf"))
        let index = try FakeListVerifier().verifyInstalled(Array("3:a.example,b.example".utf8), signature: "signed", now: Timestamp(secondsSince1970: 0))
        let writer = PostfixMapWriter(path: root + "/tls-policy", databaseType: "hash", postfixConfigDirectory: root)
        let written = try await writer.write(index, now: Timestamp(rfc3339: "2026-03-02T00:00:00Z")!)
        #expect(written == [root + "/tls-policy", root + "/tls-policy.db"])
        let query = try await runCommand("/usr/sbin/postmap", ["-c", root, "-q", "b.example", "hash:\(root)/tls-policy"])
        #expect(query.status == 0 && query.stdout == "secure match=mx.b.example servername=hostname\n")
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == ["main.cf", "tls-policy", "tls-policy.db"])

        // After expiry the rewritten table enforces nothing.
        try await writer.write(index, now: Timestamp(rfc3339: "2026-04-02T00:00:00Z")!)
        let expired = try await runCommand("/usr/sbin/postmap", ["-c", root, "-q", "b.example", "hash:\(root)/tls-policy"])
        #expect(expired.status == 1 && expired.stdout.isEmpty)
    }
}
