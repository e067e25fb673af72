import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadTesting
import Testing

/// A stand-in for verification in these tests: the "list" is `serial:DOMAIN,DOMAIN`, the "signature"
/// must be `signed`.
@Sendable func fakeVerify(_ bytes: [UInt8], _ signature: String) throws -> ListIndex {
    guard signature == "signed" else { throw ClientError(description: "bad signature") }
    let text = String(decoding: bytes, as: UTF8.self)
    let parts = text.split(separator: ":", maxSplits: 1)
    guard parts.count == 2, let serial = UInt64(parts[0]) else { throw ClientError(description: "bad list") }
    let now = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
    let entries = try parts[1].split(separator: ",").map { name in
        ListEntry(domain: try DomainName(String(name)), policy: .patterns(mode: .enforce, mx: [try MXPattern("mx.\(name)")]),
                  provenance: Provenance(method: .manual, added: now, verified: now))
    }
    return ListIndex(checkedList: PreloadList(serial: serial, generated: now, expires: now.adding(days: 14),
                                              publisher: "test", entries: entries))
}

@Suite struct StateDirectoryTests {
    @Test func installKeepsThePreviousCopyAndTheSerial() throws {
        let root = try temporaryDirectory("state")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        #expect(state.installed() == nil && state.highestSerial() == nil)

        #expect(try state.install(list: Array("1:a.example".utf8), signature: "signed", serial: 1) == .installed)
        #expect(try state.install(list: Array("1:a.example".utf8), signature: "signed", serial: 1) == .unchanged)
        #expect(try state.install(list: Array("2:b.example".utf8), signature: "signed", serial: 2) == .installed)
        #expect(try state.install(list: Array("3:c.example".utf8), signature: "signed", serial: 3) == .installed)

        #expect(state.installed()?.list == Array("3:c.example".utf8))
        #expect(state.installed()?.signature == "signed")
        #expect(FileManager.default.contents(atPath: state.previousListPath) == Data("2:b.example".utf8))
        #expect(state.highestSerial() == 3)
        // Only the current and the previous version remain, and no staging leftovers.
        let versions = try FileManager.default.contentsOfDirectory(atPath: root + "/lists")
        #expect(versions.count == 2)
        #expect(!versions.contains { $0.hasPrefix(".") })
    }

    @Test func trustAnchorsRoundTrip() throws {
        let root = try temporaryDirectory("trust")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        #expect(state.loadTrust() == nil)
        try state.saveTrust(.allowedSigners("ops@example ssh-ed25519 AAAA\n"))
        #expect(state.loadTrust() == .allowedSigners("ops@example ssh-ed25519 AAAA\n"))
        try state.saveTrust(.key("ssh-ed25519 AAAA\n"))
        #expect(state.loadTrust() == .key("ssh-ed25519 AAAA\n"))
    }

    @Test func syncLockExcludesASecondSync() async throws {
        let root = try temporaryDirectory("lock")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        let inner: Bool = try await state.withSyncLock {
            (try? await StateDirectory(root).withSyncLock { true }) ?? false
        }
        #expect(inner == false)
        #expect(try await state.withSyncLock { true })
    }

    @Test func theProviderPicksUpANewInstallWithoutRestart() async throws {
        let root = try temporaryDirectory("provider")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let provider = InstalledListProvider(state: state, checkInterval: .zero, logger: logger, verify: fakeVerify)
        let a = try DomainName("a.example"), b = try DomainName("b.example")
        #expect(await provider.entry(for: a) == nil)  // nothing installed yet

        _ = try state.install(list: Array("1:a.example".utf8), signature: "signed", serial: 1)
        #expect(await provider.entry(for: a)?.mode == .enforce)
        #expect(await provider.entry(for: b) == nil)

        _ = try state.install(list: Array("2:b.example".utf8), signature: "signed", serial: 2)
        #expect(await provider.entry(for: a) == nil)
        #expect(await provider.entry(for: b)?.mx == [try MXPattern("mx.b.example")])

        // A tampered install does not verify: the last good list stays in use.
        _ = try state.install(list: Array("3:c.example".utf8), signature: "forged", serial: 3)
        #expect(await provider.current()?.serial == 2)
    }
}
