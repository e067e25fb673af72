import Foundation
import Logging

/// What identifies one version of a file: its resolved path (through symlinks), inode, size and
/// modification time. A replaced file (new inode via rename, or a swapped symlink) gets a new identity.
public struct FileIdentity: Hashable, Sendable {
    /// The path after resolving symlinks.
    public var resolvedPath: String
    /// Device and inode numbers.
    public var device: UInt64, inode: UInt64
    /// Size in bytes.
    public var size: Int64
    /// Modification time, nanoseconds since 1970.
    public var modified: Int64

    /// The identity of the file at `path` now; `nil` when it does not exist.
    public static func of(_ path: String) -> FileIdentity? {
        guard let real = realpath(path, nil) else { return nil }
        let resolved = String(cString: real)
        free(real)
        var info = stat()
        guard stat(resolved, &info) == 0 else { return nil }
        return FileIdentity(
            resolvedPath: resolved, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}

/// A value loaded from a file and reloaded when the file is replaced — checked at most once per
/// `checkInterval`, on use, so a daemon picks up what `preload sync` installs without a restart.
///
/// When a reload fails (the new file does not load or verify), the last good value stays in use and the
/// failure is logged once per file version.
///
/// Between checks the value can also be read without a hop to the actor (``currentUnlessCheckDue()``).
public actor ReloadingFile<Value: Sendable> {
    /// The watched path.
    public let path: String
    private let checkInterval: Duration
    private let load: @Sendable (String) throws -> Value
    private let logger: Logger
    private var value: Value?
    private var identity: FileIdentity?
    private var failedIdentity: FileIdentity?
    private var lastCheck: ContinuousClock.Instant?
    /// `value` and `lastCheck` for readers that do not hop to the actor; written only by the actor.
    private nonisolated let published = Locked<Published>(Published())
    /// Bumped whenever a new version loads.
    private var generation: UInt64 = 0

    private struct Published {
        var value: Shared<Value>?
        var lastCheck: ContinuousClock.Instant?
        var generation: UInt64 = 0
    }

    /// Watches `path`, loading it with `load` (which runs on the caller's executor: keep it short, or pass
    /// a loader that hops off the cooperative pool).
    public init(path: String, checkInterval: Duration = .seconds(1), logger: Logger,
                load: @escaping @Sendable (String) throws -> Value) {
        self.path = path
        self.checkInterval = checkInterval
        self.logger = logger
        self.load = load
    }

    /// The current value, reloading first when the file changed since the last check. `nil` while no
    /// version of the file has ever loaded.
    public func current() -> Value? {
        let now = ContinuousClock.now
        if let lastCheck, now - lastCheck < checkInterval { return value }
        lastCheck = now
        reloadIfChanged()
        return value
    }

    /// The current value without waiting, as ``current()`` would return it, when no check of the file is due;
    /// `checkDue` when one is — then call ``current()``, which checks.
    package nonisolated func currentUnlessCheckDue() -> (checkDue: Bool, value: Shared<Value>?) {
        let now = ContinuousClock.now
        let snapshot = published.withLock { $0 }
        guard let lastCheck = snapshot.lastCheck, now - lastCheck < checkInterval else { return (true, nil) }
        return (false, snapshot.value)
    }

    /// A number that changes whenever a new version loads, when no check of the file is due; `nil` when one is.
    package nonisolated func generationUnlessCheckDue() -> UInt64? {
        let now = ContinuousClock.now
        let (lastCheck, generation) = published.withLock { ($0.lastCheck, $0.generation) }
        guard let lastCheck, now - lastCheck < checkInterval else { return nil }
        return generation
    }

    private func publish() {
        let shared = value.map { Shared($0) }
        published.withLock { $0 = Published(value: shared, lastCheck: lastCheck, generation: generation) }
    }

    /// Checks the file now, regardless of the interval; returns whether a new version was loaded.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        defer { publish() }
        let seen = FileIdentity.of(path)
        guard seen != identity, seen != failedIdentity else { return false }
        guard let seen else {
            // The file disappeared: keep the last good value (removal is not an update).
            if identity != nil { logger.warning("watched file disappeared; keeping the loaded version", metadata: ["path": "\(path)"]) }
            identity = nil
            return false
        }
        do {
            value = try load(path)
            generation &+= 1
            identity = seen
            failedIdentity = nil
            logger.info("loaded", metadata: ["path": "\(path)", "version": "\(seen.resolvedPath)"])
            return true
        } catch {
            failedIdentity = seen
            logger.error("reload failed; keeping the previous version", metadata: ["path": "\(path)", "error": "\(error)"])
            return false
        }
    }
}
