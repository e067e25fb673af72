import Logging
import PreloadCore
import PreloadSystem

/// The list installed in a state directory, re-verified when loaded and reloaded when `preload sync`
/// swaps in a new one — the daemon needs no restart.
///
/// When the installed list fails verification (tampered with, or the trust anchors changed), the last good
/// version stays in use and the failure is logged.
public struct InstalledListProvider: ListProviding {
    private let watcher: ReloadingFile<ListIndex>

    /// Watches `state`'s installed list; `verify` turns the list bytes and signature into an index (it must
    /// verify the signature: see ``ListIndex/init(verified:)``).
    public init(state: StateDirectory, checkInterval: Duration = .seconds(1), logger: Logger,
                verify: @escaping @Sendable (_ list: [UInt8], _ signature: String) throws -> ListIndex) {
        watcher = ReloadingFile(path: state.currentListPath, checkInterval: checkInterval, logger: logger) { _ in
            guard let (list, signature) = state.installed() else {
                throw FileSystemError("no list is installed in \(state.path); run preload sync")
            }
            return try verify(list, signature)
        }
    }

    /// The list in use now, reloading it first when it was replaced.
    public func current() async -> ListIndex? { await watcher.current() }

    public func entry(for domain: DomainName) async -> ListEntryPolicy? {
        await watcher.current()?.entry(for: domain)
    }

    /// The entry without waiting, unless the once-a-second check for a replaced list is due.
    public func entryImmediately(for domain: DomainName) -> ListLookup {
        let (checkDue, index) = watcher.currentUnlessCheckDue()
        if checkDue { return .mustWait }
        return .answered(index?.value.entry(for: domain))
    }

    /// Changes when a new list loads; `nil` while the check for a replaced list is due.
    public func generationUnlessCheckDue() -> UInt64? { watcher.generationUnlessCheckDue() }
}
