import Foundation
import PreloadCore
import PreloadSystem

/// The client's state directory (`--state DIR`, e.g. `/var/lib/preload`):
///
/// ```
/// lists/<serial>-<id>/preload.json(.sig)   installed versions (the current and the previous one are kept)
/// current -> lists/…                        the installed list; swapped atomically by `sync`
/// previous -> lists/…                       the last good copy before it
/// trust/allowed_signers | trust/key.pub     who may sign lists (copied by `sync`, read by the daemon)
/// serial                                    the highest serial ever installed (rollback protection)
/// last-success                              when a sync last fetched and verified a list (RFC 3339)
/// mta-sts-cache.sqlite                      the MTA-STS policy cache
/// cache/git/<hash>.git                      bare mirrors of git list sources
/// sync.lock                                 held while a sync runs
/// ```
///
/// A list and its signature are installed together in a fresh directory and published by renaming one
/// symlink, so readers see the old pair or the new pair, never one of each.
public struct StateDirectory: Sendable {
    /// The directory.
    public let path: String

    /// The state directory at `path`.
    public init(_ path: String) { self.path = path }

    /// The list file name inside a version directory (as in the publisher's repository).
    public static let listFile = "preload.json"
    /// The signature file name inside a version directory.
    public static let signatureFile = "preload.json.sig"

    private func join(_ parts: String...) -> String {
        parts.reduce(path) { ($0 as NSString).appendingPathComponent($1) }
    }

    /// The installed list (through the `current` symlink).
    public var currentListPath: String { join("current", Self.listFile) }
    /// The installed list's signature.
    public var currentSignaturePath: String { join("current", Self.signatureFile) }
    /// The last good copy before the installed list.
    public var previousListPath: String { join("previous", Self.listFile) }
    /// The MTA-STS cache database.
    public var cachePath: String { join(SQLiteSTSCacheStore.fileName) }
    /// Where bare mirrors of git list sources are kept.
    public var gitCachePath: String { join("cache", "git") }

    /// Creates the directory tree (mode 0755) when missing.
    public func prepare() throws(FileSystemError) {
        for dir in [path, join("lists"), join("trust")] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
            } catch {
                throw FileSystemError("cannot create \(dir): \(error.localizedDescription)")
            }
        }
    }

    /// The installed list's bytes and signature, if a list is installed.
    public func installed() -> (list: [UInt8], signature: String)? {
        guard let list = FileManager.default.contents(atPath: currentListPath),
            let signature = FileManager.default.contents(atPath: currentSignaturePath)
        else { return nil }
        return (Array(list), String(decoding: signature, as: UTF8.self))
    }

    /// The highest serial ever installed here.
    public func highestSerial() -> UInt64? {
        guard let data = FileManager.default.contents(atPath: join("serial")) else { return nil }
        return UInt64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// When a sync last fetched and verified a list (``recordSyncSuccess(at:)``), if ever.
    public func lastSyncSuccess() -> Timestamp? {
        guard let data = FileManager.default.contents(atPath: join("last-success")) else { return nil }
        return Timestamp(rfc3339: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Records that a sync fetched and verified a list at `time`.
    public func recordSyncSuccess(at time: Timestamp) throws(FileSystemError) {
        try prepare()
        try AtomicFile.write(Array("\(time.rfc3339)\n".utf8), to: join("last-success"))
    }

    /// What an install did.
    public enum InstallOutcome: Hashable, Sendable {
        /// The same bytes were already installed.
        case unchanged
        /// The list was installed; the former one (if any) is now `previous`.
        case installed
    }

    /// Installs a verified list and its signature atomically, keeping the former list as `previous`,
    /// raising the serial high-water mark, and pruning older versions.
    ///
    /// - Warning: pass only bytes that passed verification; this does not verify.
    public func install(list: [UInt8], signature: String, serial: UInt64) throws(FileSystemError) -> InstallOutcome {
        try prepare()
        if let current = installed(), current.list == list, current.signature == signature {
            try raiseSerial(to: serial)
            return .unchanged
        }
        let name = "\(serial)-\(UUID().uuidString.prefix(8).lowercased())"
        let staging = join("lists", ".staging-\(name)")
        let final = join("lists", name)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw FileSystemError("cannot create \(staging): \(error.localizedDescription)")
        }
        try AtomicFile.write(list, to: (staging as NSString).appendingPathComponent(Self.listFile))
        try AtomicFile.write(Array(signature.utf8), to: (staging as NSString).appendingPathComponent(Self.signatureFile))
        try AtomicFile.rename(staging, over: final)

        let former = try? FileManager.default.destinationOfSymbolicLink(atPath: join("current"))
        try AtomicFile.symlink(join("current"), to: "lists/\(name)")
        if let former { try AtomicFile.symlink(join("previous"), to: former) }
        try raiseSerial(to: serial)
        prune(keeping: ["lists/\(name)", former].compactMap { $0 })
        return .installed
    }

    private func raiseSerial(to serial: UInt64) throws(FileSystemError) {
        if let highest = highestSerial(), highest >= serial { return }
        try AtomicFile.write(Array("\(serial)\n".utf8), to: join("serial"))
    }

    /// Removes version directories other than `keeping` (paths relative to the state directory).
    private func prune(keeping: [String]) {
        let keep = Set(keeping.map { ($0 as NSString).lastPathComponent })
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: join("lists")) else { return }
        for name in names where !keep.contains(name) {
            try? FileManager.default.removeItem(atPath: join("lists", name))
        }
    }

    /// The trust anchors `sync` was given, kept for the daemon and `resolve`.
    public enum TrustFile: Hashable, Sendable {
        /// An OpenSSH allowed-signers file's text.
        case allowedSigners(String)
        /// One `ssh-ed25519` public key line.
        case key(String)
    }

    /// Saves the trust anchors (replacing any earlier ones).
    public func saveTrust(_ trust: TrustFile) throws(FileSystemError) {
        try prepare()
        switch trust {
        case .allowedSigners(let text):
            try AtomicFile.write(Array(text.utf8), to: join("trust", "allowed_signers"))
            unlink(join("trust", "key.pub"))
        case .key(let text):
            try AtomicFile.write(Array(text.utf8), to: join("trust", "key.pub"))
            unlink(join("trust", "allowed_signers"))
        }
    }

    /// The saved trust anchors, if any.
    public func loadTrust() -> TrustFile? {
        if let data = FileManager.default.contents(atPath: join("trust", "allowed_signers")) {
            return .allowedSigners(String(decoding: data, as: UTF8.self))
        }
        if let data = FileManager.default.contents(atPath: join("trust", "key.pub")) {
            return .key(String(decoding: data, as: UTF8.self))
        }
        return nil
    }

    /// Another sync holds the state directory's lock: a temporary condition (`preload sync` exits 75).
    public struct SyncLockHeld: Error, Hashable, Sendable, CustomStringConvertible {
        /// The lock file.
        public var path: String
        public var description: String { "another sync is running (it holds \(path)); try again later" }
    }

    /// Runs `body` holding the directory's sync lock (an exclusive `flock`), so that two syncs never
    /// interleave. Throws ``SyncLockHeld`` at once when another sync holds it.
    public func withSyncLock<T>(_ body: () async throws -> T) async throws -> T {
        try prepare()
        let lockPath = join("sync.lock")
        let lock: FileLock
        do {
            lock = try FileLock(path: lockPath)
        } catch {
            switch error {
            case .held: throw SyncLockHeld(path: lockPath)
            case .io(let why): throw FileSystemError("flock \(why)")
            }
        }
        defer { withExtendedLifetime(lock) {} }
        return try await body()
    }
}
