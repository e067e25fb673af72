import Logging
import PreloadCore

/// What a sync did, and the list in use afterwards.
public struct SyncReport: Sendable {
    /// How the sync ended.
    public enum Result: Sendable, Hashable {
        /// A newer list verified and was installed.
        case updated
        /// The source had the installed list.
        case unchanged
        /// The source's list did not verify (signature, signer, format, expiry, rollback); the installed copy is kept.
        case refused(ListRefusal)
        /// The source could not be reached; the installed copy is kept.
        case unreachable(String)
    }

    /// The source synced from.
    public var source: ListSource
    /// How it ended.
    public var result: Result
    /// The verified list in use after the sync, if any is installed.
    public var installed: ListIndex?
    /// The serial installed before the sync.
    public var previousSerial: UInt64?
    /// The time of the sync.
    public var time: Timestamp
    /// The source answered 304 Not Modified to the installed list's ETag: nothing was downloaded.
    public var notModified = false

    /// `true` when the list in use has expired: its entries no longer apply (opportunistic TLS).
    public var installedExpired: Bool { installed.map { $0.isExpired(at: time) } ?? false }
}

/// `preload sync`'s engine: fetch, verify (signature, format, expiry, rollback), install atomically, keep
/// the last good copy. Never removes or replaces the installed list unless a newer one verifies.
public struct ListSync: Sendable {
    /// The state directory.
    public var state: StateDirectory
    /// Gets the bytes.
    public var fetcher: any ListFetching
    /// Checks them.
    public var verifier: any ListVerifying
    /// The time of the sync.
    public var clock: any TimeSource
    /// Progress and refusals.
    public var logger: Logger

    /// A sync engine.
    public init(state: StateDirectory, fetcher: any ListFetching, verifier: any ListVerifying, clock: any TimeSource,
                logger: Logger) {
        self.state = state
        self.fetcher = fetcher
        self.verifier = verifier
        self.clock = clock
        self.logger = logger
    }

    /// The installed list, re-verified; `nil` when none is installed or it no longer verifies.
    public func installedList(now: Timestamp) -> ListIndex? {
        guard let (bytes, signature) = state.installed() else { return nil }
        do {
            return try verifier.verifyInstalled(bytes, signature: signature, now: now)
        } catch {
            logger.error("the installed list does not verify", metadata: ["code": "\(error.code)", "error": "\(error)"])
            return nil
        }
    }

    /// Syncs from `source`. Throws only for the client's own failures (the state directory cannot be written).
    public func run(source: ListSource) async throws -> SyncReport {
        let now = clock.now()
        let before = installedList(now: now)
        var report = SyncReport(source: source, result: .unchanged, installed: before, previousSerial: before?.serial, time: now)
        let minimum = [state.highestSerial(), before?.serial].compactMap { $0 }.max()

        let bytes: [UInt8], signature: String
        // With a verified list installed from this source, ask only for a changed one (If-None-Match).
        let sentTag = before == nil ? nil : state.listETag(source: source.description)
        let (fetched, newTag) = await fetcher.fetch(source, ifNoneMatch: sentTag)
        switch fetched {
        case .notModified:
            logger.info("list not modified (304); keeping the installed list", metadata: ["source": "\(source)"])
            report.result = .unchanged
            report.notModified = true
            try state.recordSyncSuccess(at: now)
            return report
        case .unreachable(let why):
            logger.warning("list source unreachable; keeping the installed list", metadata: ["source": "\(source)", "error": "\(why)"])
            report.result = .unreachable(why)
            return report
        case .refused(let refusal):
            logger.error("list refused", metadata: ["source": "\(source)", "code": "\(refusal.code)", "error": "\(refusal)"])
            report.result = .refused(refusal)
            return report
        case .fetched(let list, let sig):
            bytes = list
            signature = sig
        }

        let verified: ListIndex
        do {
            verified = try verifier.verifyForInstall(bytes, signature: signature, minimumSerial: minimum, now: now)
        } catch {
            logger.error("list refused", metadata: ["source": "\(source)", "code": "\(error.code)", "error": "\(error)"])
            report.result = .refused(error)
            return report
        }
        switch try state.install(list: bytes, signature: signature, serial: verified.serial) {
        case .unchanged:
            report.result = .unchanged
        case .installed:
            report.result = .updated
            logger.info("list installed", metadata: ["serial": "\(verified.serial)", "expires": "\(verified.expires)"])
        }
        report.installed = verified
        try state.recordListETag(newTag, source: source.description)
        try state.recordSyncSuccess(at: now)
        return report
    }
}
