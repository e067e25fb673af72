import Logging
import PreloadClient
import PreloadCore
import PreloadSystem

/// One whole `preload sync` run, as cron starts it: under the state directory's lock, fetch, verify and
/// install the list (``ListSync``), save the trust anchors that verified it, write the Postfix table, refresh
/// the MTA-STS cache, and write the run's metrics file — also after a run that failed on our side, so that
/// an alert sees it. The command only parses its options, calls ``run()`` and renders the ``Outcome``.
public struct SyncRun: Sendable {
    /// What the run did, for rendering.
    public struct Outcome: Sendable {
        /// The sync itself: how it ended and the list in use afterwards.
        public var report: SyncReport
        /// The files of the Postfix table written (empty without one).
        public var written: [String]
        /// The domains whose MTA-STS policy was refetched; `nil` when no refresh was asked for.
        public var refreshed: [DomainName]?
    }

    /// Where the list comes from.
    public var source: ListSource
    /// The state directory (installed list, last good copy, MTA-STS cache, lock).
    public var state: StateDirectory
    /// The trust anchors the list (and a git source's head commit) must verify against; saved in the state
    /// directory after a run that fetched and verified a list, for `resolve` and `socketmap`.
    public var trust: StateDirectory.TrustFile
    /// Trust roots (PEM) for https sources; `nil` uses the system bundle.
    public var caFile: String?
    /// The deadline of each network step in seconds; downloads get at least 60 s and git fetches 120 s.
    public var timeout: Double
    /// The Postfix table to write, if any.
    public var postfixMap: PostfixMapWriter?
    /// Where to write the run's metrics (node_exporter textfile collector), if anywhere.
    public var metricsFile: String?
    /// Refetches the cached MTA-STS policies that expire soon and returns their domains; `nil` for no refresh.
    public var refreshMTASTS: (@Sendable () async throws -> [DomainName])?
    /// The time of the run.
    public var clock: any TimeSource
    /// Progress and refusals.
    public var logger: Logger

    private let verifier: SignedListVerifier

    /// A run; throws ``ClientRuntime/SetupError`` when `trust` is unusable (no key, malformed file).
    public init(source: ListSource, state: StateDirectory, trust: StateDirectory.TrustFile, caFile: String? = nil,
                timeout: Double = 20, postfixMap: PostfixMapWriter? = nil, metricsFile: String? = nil,
                refreshMTASTS: (@Sendable () async throws -> [DomainName])? = nil, clock: any TimeSource,
                logger: Logger) throws {
        self.source = source
        self.state = state
        self.trust = trust
        self.caFile = caFile
        self.timeout = timeout
        self.postfixMap = postfixMap
        self.metricsFile = metricsFile
        self.refreshMTASTS = refreshMTASTS
        self.clock = clock
        self.logger = logger
        verifier = try ClientRuntime.verifier(trust)
    }

    /// The sync engine with its fetchers: https and files, and git repositories whose head commit must be
    /// signed by the same allowed signers (namespace `git`).
    public var engine: ListSync {
        let git = GitListFetcher(cacheDirectory: state.gitCachePath, commits: CommitSignatureVerifier(trust: verifier.trust),
                                 clock: clock, timeout: max(timeout, 120))
        let fetcher = ListFetcher(caFile: caFile, timeout: max(timeout, 60), git: git)
        return ListSync(state: state, fetcher: fetcher, verifier: verifier, clock: clock, logger: logger)
    }

    /// Runs. Throws ``StateDirectory/SyncLockHeld`` at once when another sync holds the state directory (nothing
    /// is written then, not even metrics), and the client's own failures (state directory, table or metrics
    /// file not written) after recording them in the metrics file as `failed`. A list that is refused or a
    /// source that cannot be reached is no error: the ``Outcome``'s report says so, and the installed list is kept.
    public func run() async throws -> Outcome {
        let sync = engine
        return try await state.withSyncLock {
            var ran: SyncReport?
            do {
                let report = try await sync.run(source: source)
                ran = report
                if report.result == .updated || report.result == .unchanged { try state.saveTrust(trust) }
                var written: [String] = []
                if let postfixMap { written = try await postfixMap.write(report.installed, now: clock.now()) }
                var refreshed: [DomainName]?
                if let refreshMTASTS { refreshed = try await refreshMTASTS() }
                try writeMetrics(SyncMetrics(report: report, lastSuccess: state.lastSyncSuccess()))
                return Outcome(report: report, written: written, refreshed: refreshed)
            } catch {
                // The run failed on our side: say so in the metrics too (best effort).
                let now = clock.now()
                try? writeMetrics(SyncMetrics(time: now, result: .failed, lastSuccess: state.lastSyncSuccess(),
                                              installed: ran?.installed ?? sync.installedList(now: now)))
                throw error
            }
        }
    }

    /// Writes `metrics` to ``metricsFile``, atomically (a temporary file in the same directory, which the
    /// textfile collector ignores, renamed over it).
    private func writeMetrics(_ metrics: SyncMetrics) throws {
        guard let metricsFile else { return }
        try AtomicFile.write(Array(metrics.text.utf8), to: metricsFile, mode: 0o644)
    }
}
