import Foundation
import PreloadChecker
import PreloadCore

/// `preload validate-all`: re-validate every domain in probation, listed or failing, apply the lifecycle,
/// publish when needed, and deliver notifications.
///
/// Shared rounds: on a store whose rounds are shared (Postgres), several workers started against the same
/// state join one round instead of refusing each other. They claim its domains in small batches with
/// leases; a worker that dies loses its leases when they run out and the others validate its domains; a
/// domain's result is recorded (and its lifecycle step applied) once per round — a result for a domain
/// that another worker finished meanwhile is dropped. When every domain has a result, the worker that
/// takes the store's completion lock publishes and delivers notifications; the others stop. On SQLite,
/// one process holds the run lock and is the round's only worker.
///
/// Crash safety: the store's run lock dies with the process (with SQLite, an `flock` the kernel drops
/// when the process dies). The run and the domains it must validate are journaled (`run`, `run_item`);
/// each domain's validation, lifecycle step, audit line, queued notification and "done" mark are in one
/// transaction (which may record several domains: results that finish while another is being recorded
/// are recorded together). A run killed at any point leaves each domain either before or after its step; the next run takes the journal over, validates
/// only what is left, then publishes from the state (compared with the committed list, not with a note
/// of ours), so nothing is lost and nothing is done twice.
public struct ValidateAllService: Sendable {
    /// The state.
    public let store: any CurationStore
    /// The checker (live network, or fakes in tests).
    public let checker: Checker
    /// The one clock.
    public let clock: any TimeSource
    /// The lifecycle rules.
    public let policy: LifecyclePolicy
    /// `nil` with `--no-publish`.
    public let publisher: (any ListPublishing)?
    /// `nil`: notifications are recorded only.
    public let notifier: (any Notifier)?
    /// Domains validated at once.
    public let concurrency: Int
    /// Where this worker sees the domains from (recorded with each validation); `nil`: not recorded.
    public let vantage: String?
    /// How long a claimed domain stays this worker's: longer than a domain's validation can take.
    public let leaseSeconds: Int64
    /// The clock of the leases: the real time shared by the workers, also when ``clock`` rehearses other
    /// days (`PRELOAD_NOW`). By default ``clock``.
    public let leaseClock: any TimeSource
    /// How many vantages must report on each domain of a round this worker starts (a round it joins keeps
    /// its own number): with more than one, the lifecycle follows ``VantageVerdict``.
    public let vantages: Int

    /// The name a result is counted under among a round's vantages (results without a vantage count as one).
    static func vantageName(_ vantage: String?) -> String { vantage ?? "default" }
    private var vantageName: String { Self.vantageName(vantage) }

    /// The default of ``leaseSeconds``: ten minutes, twice the checker's default per-domain deadline.
    public static let defaultLeaseSeconds: Int64 = 600

    /// Creates a value; see the properties.
    public init(store: any CurationStore, checker: Checker, clock: any TimeSource, policy: LifecyclePolicy = .defaults,
                publisher: (any ListPublishing)?, notifier: (any Notifier)?, concurrency: Int, vantage: String? = nil,
                leaseSeconds: Int64 = ValidateAllService.defaultLeaseSeconds, leaseClock: (any TimeSource)? = nil,
                vantages: Int = 1) {
        self.store = store
        self.checker = checker
        self.clock = clock
        self.policy = policy
        self.publisher = publisher
        self.notifier = notifier
        self.concurrency = max(1, concurrency)
        self.vantage = vantage
        self.leaseSeconds = max(1, leaseSeconds)
        self.leaseClock = leaseClock ?? clock
        self.vantages = max(1, vantages)
    }

    /// Runs (or resumes) a run. `progress` gets (done, total) after each domain.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> RunSummary {
        let start = clock.now()
        let pid = getpid()
        let shared = store.sharesRounds
        let lock = shared ? nil : try await store.takeRunLock(holder: "pid \(pid) since \(start.rfc3339)")
        defer { withExtendedLifetime(lock) {} }
        let worker = "\(vantage ?? "worker") pid \(pid) since \(start.rfc3339)"
        return try await runLocked(start: start, pid: pid, worker: worker, shared: shared, progress: progress)
    }

    private func runLocked(start: Timestamp, pid: Int32, worker: String, shared: Bool,
                           progress: (@Sendable (Int, Int) -> Void)?) async throws -> RunSummary {
        // Journal: join the round other workers run (shared rounds), take over a run a dead process left,
        // or start one.
        let (run, resumed) = try await store.write { tx -> (RunRow, Bool) in
            let unfinished = try tx.unfinishedRuns()
            if var last = unfinished.last {
                for var stale in unfinished.dropLast() {
                    stale.status = .failed
                    stale.finished = start
                    try tx.update(stale)
                }
                if !shared {
                    // The run lock is ours: whoever claimed the run's domains is gone.
                    try tx.releaseLeases(run: last.id!)
                    last.pid = pid
                    last.resumes += 1
                    try tx.update(last)
                }
                return (last, true)
            }
            let records = try tx.records(inStates: Set(LifecycleState.allCases.filter(\.isValidated)))
            let names = RoundOrder.arrange(records.map(\.domain),
                                           failing: Set(records.filter { $0.state == .failing }.map(\.domain)))
            return (try tx.startRun(RunRow(started: start, pid: pid, vantages: vantages), domains: names), false)
        }
        let runId = run.id!
        var summary = RunSummary(run: runId, resumed: resumed, started: run.started)
        var phase = run.phase

        // Pending submissions and removal requests whose challenge expired unproven end now.
        let policy = self.policy
        for step in try await store.write({ tx in try tx.expireChallenges(now: start, policy: policy) }) {
            summary.add(step)
        }

        if phase == .validating {
            try await validate(runId: runId, needed: run.vantages, worker: worker, summary: &summary, progress: progress)
            if summary.awaitingVantages > 0 {
                // This vantage reported on every domain; the round completes once the others have.
                summary.finished = clock.now()
                return summary
            }
        }
        // One worker completes the round; on a shared state, the others leave it to the one holding the lock.
        guard let completion = try await store.takeCompletionLock() else {
            summary.completedElsewhere = true
            summary.finished = clock.now()
            return summary
        }
        defer { withExtendedLifetime(completion) {} }
        guard let current = try await store.read({ try $0.run(runId) }), current.status == .running else {
            summary.completedElsewhere = true
            summary.finished = clock.now()
            return summary
        }
        phase = current.phase
        // A worker completing this round got as far as publishing and died: it may have committed a list.
        let resumedPublishing = phase == .publishing
        if phase == .validating {
            phase = try await setPhase(runId, publisher == nil ? .notifying : .publishing)
        }
        if phase == .publishing {
            if let publisher {
                do {
                    try await publish(publisher, runId: runId, resumed: resumedPublishing, summary: &summary)
                } catch {
                    try await finish(runId, status: .failed, summary: summary)
                    throw CurationError.publishFailed("\(error)")
                }
            }
            phase = try await setPhase(runId, .notifying)
        }
        if publisher == nil {
            summary.publication = .init(action: .disabled, reason: "--no-publish", list: nil)
        }
        summary.notifications = try await NotificationOutbox.deliver(store: store, notifier: notifier, now: clock.now())
        summary.finished = clock.now()
        try await finish(runId, status: .completed, summary: summary)
        return summary
    }

    /// Validates the run's domains: claims them in small batches (leases), keeps `concurrency` domains in
    /// flight, and returns when every domain of the run is done — by this worker or others — or when
    /// every domain left waits only for other vantages (``RunSummary/awaitingVantages``).
    private func validate(runId: Int64, needed: Int, worker: String, summary: inout RunSummary,
                          progress: (@Sendable (Int, Int) -> Void)?) async throws {
        // Claims are per vantage when the round needs several (each vantage validates every domain), else
        // one for all workers (each domain is validated once, whoever claims it).
        let vantageKey = needed > 1 ? vantageName : "*"
        // A journal whose names cannot be read stops the run before anything is validated.
        _ = try await store.read { try $0.pendingItems(run: runId) }
        let (total, alreadyDone) = try await store.read { try $0.itemCounts(run: runId) }
        var done = alreadyDone
        progress?(done, total)
        let batch = max(1, min(16, concurrency / 4))
        let lease = leaseSeconds
        let clock = self.leaseClock
        var queue: [DomainName] = []
        var exhausted = false
        /// The next claimed domain, claiming a batch when the local queue is empty; `nil` when nothing is
        /// left to claim now.
        func next() async throws -> DomainName? {
            if queue.isEmpty && !exhausted {
                let now = clock.now()
                // Claims touch only the items they take (the store serialises claims among themselves).
                queue = try await store.write(confinedTo: []) { tx in
                    try tx.claimItems(run: runId, vantage: vantageKey, holder: worker, limit: batch, now: now,
                                      until: now.adding(seconds: lease))
                }
                queue.reverse()
                exhausted = queue.isEmpty
            }
            return queue.popLast()
        }
        // Checks run `concurrency` at a time; their results are recorded by one write at a time, each taking
        // every result that finished meanwhile (group commit: on a busy round, one transaction records
        // several domains instead of each paying for its own).
        try await withThrowingTaskGroup(of: Work.self) { group in
            var checking = 0
            var checked: [Checked] = []
            var recording = false
            while true {
                // A slot frees when its check ends; results waiting to be recorded hold back new checks.
                while checking + checked.count < concurrency, let name = try await next() {
                    group.addTask { .checked(try await self.check(name, runId: runId)) }
                    checking += 1
                }
                if !recording && !checked.isEmpty {
                    let batch = Array(checked.prefix(Self.maximumBatch))
                    checked.removeFirst(batch.count)
                    group.addTask { .recorded(try await self.record(batch, runId: runId, needed: needed)) }
                    recording = true
                }
                guard checking > 0 || recording else {
                    // Nothing claimable here: done, or other workers hold the rest. Wait for their results,
                    // or for their leases to run out (polled every 0.1 s: a worker that waits here ends at most
                    // that long after the last result, and the poll is two counts).
                    let (counts, awaiting) = try await store.read { tx in
                        (try tx.itemCounts(run: runId), try tx.itemsAwaiting(run: runId, vantage: vantageKey))
                    }
                    if counts.done >= counts.total { return }
                    if awaiting == 0 {
                        summary.awaitingVantages = counts.total - counts.done
                        return
                    }
                    try await Task.sleep(for: .milliseconds(100))
                    exhausted = false
                    continue
                }
                switch try await group.next() {
                case nil:
                    continue
                case .checked(let result)?:
                    checking -= 1
                    checked.append(result)
                case .recorded(let results)?:
                    recording = false
                    for result in results {
                        switch result {
                        case .alreadyDone:
                            break
                        case .awaitingVantages:
                            summary.validated += 1
                        case .disputed:
                            summary.validated += 1
                            summary.disputed += 1
                            done += 1
                            progress?(done, total)
                        case .recorded(let recorded):
                            done += 1
                            progress?(done, total)
                            if let step = recorded {
                                summary.validated += 1
                                switch step.validationPassed {
                                case true?: summary.passed += 1
                                case false?: summary.failed += 1
                                case nil: summary.inconclusive += 1
                                }
                                summary.add(step)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The most results one transaction records.
    static let maximumBatch = 32

    /// What a task of the round returns: a check, or the recording of a batch of checks.
    private enum Work: Sendable {
        case checked(Checked)
        case recorded([ValidationResult])
    }

    /// A domain checked, its result not recorded yet.
    private struct Checked: Sendable {
        let domain: DomainName
        let row: ValidationRow
        let outcome: ValidationOutcome
        let time: Timestamp
    }

    /// What became of one claimed domain.
    private enum ValidationResult: Sendable {
        /// Its result was recorded, with its lifecycle step (none for a domain no longer validated).
        case recorded(LifecycleStep?)
        /// Another worker recorded it first (this worker's lease had run out): this result is dropped.
        case alreadyDone
        /// Recorded; the round needs other vantages' results before the domain's step.
        case awaitingVantages
        /// Recorded, the last result needed: one vantage alone saw a failure; a warning, no step.
        case disputed
    }

    /// Checks one domain (outside any transaction).
    private func check(_ domain: DomainName, runId: Int64) async throws -> Checked {
        let report = await checker.check(domain)
        var row = try SubmitService.validationRow(report, of: domain, runId: runId)
        row.vantage = vantage
        return Checked(domain: domain, row: row, outcome: ValidationOutcome(report: report), time: clock.now())
    }

    /// Records checked domains in one transaction confined to them, each as ``record(_:runId:needed:in:)``
    /// says, in the order given.
    private func record(_ batch: [Checked], runId: Int64, needed: Int) async throws -> [ValidationResult] {
        let policy = self.policy
        let vantageKey = vantageName
        return try await store.write(confinedTo: batch.map(\.domain)) { tx in
            // The batch's records in one read; a step's record replaces its domain's.
            var records: [DomainName: DomainRecord] = [:]
            for record in try tx.records(named: batch.map(\.domain)) { records[record.domain] = record }
            return try batch.map {
                try Self.record($0, runId: runId, needed: needed, vantageKey: vantageKey, policy: policy,
                                records: &records, in: tx)
            }
        }
    }

    /// Records one domain's result — unless the domain is done already, or this vantage reported on it
    /// already — with the domain's step when it is the last result the round needs (`needed` vantages).
    private static func record(_ item: Checked, runId: Int64, needed: Int, vantageKey: String, policy: LifecyclePolicy,
                               records: inout [DomainName: DomainRecord], in tx: any StateWriter) throws -> ValidationResult {
        let domain = item.domain, now = item.time
        var results: [(vantage: String, outcome: ValidationOutcome)] = []
        if needed <= 1 {
            // One result decides. Taking the item (done) and learning whether another worker finished it
            // first is one statement.
            guard try tx.finishItem(run: runId, domain: domain) else { return .alreadyDone }
            try tx.insert(item.row)
        } else {
            guard try tx.isDone(run: runId, domain: domain) != true else { return .alreadyDone }
            let earlier = try tx.validations(run: runId, domain: domain)
            if earlier.contains(where: { vantageName($0.vantage) == vantageKey }) { return .alreadyDone }
            try tx.insert(item.row)
            // One result per vantage, the newest of each.
            for earlierRow in earlier {
                let key = vantageName(earlierRow.vantage)
                let earlierOutcome = try outcome(of: earlierRow)
                if let i = results.firstIndex(where: { $0.vantage == key }) {
                    results[i].outcome = earlierOutcome
                } else {
                    results.append((key, earlierOutcome))
                }
            }
            guard results.count + 1 >= needed else { return .awaitingVantages }
            try tx.markDone(run: runId, domain: domain)
        }
        results.append((vantageKey, item.outcome))
        guard let record = records[domain], record.state.isValidated else { return .recorded(nil) }
        switch VantageVerdict.combine(results) {
        case .outcome(let combined):
            let step = try Lifecycle.apply(.validated(combined), to: record, domain: domain, now: now, policy: policy)
            try tx.record(step, actor: .validateAll, now: now, policy: policy)
            records[domain] = step.record
            return .recorded(step)
        case .disputed(let failedAt, let passedAt, let codes):
            try tx.insert(AuditEventRow(
                time: now, domain: domain, fromState: record.state, toState: record.state, reason: .vantageDisagreement,
                detail: "failed from \(failedAt.joined(separator: ", ")) only (\(codes.map(\.rawValue).joined(separator: ", "))), "
                    + "passed from \(passedAt.joined(separator: ", ")): no step until a second vantage sees it fail",
                actor: .validateAll))
            return .disputed
        }
    }

    /// The outcome a stored validation holds (its facts are the checker's report).
    static func outcome(of row: ValidationRow) throws -> ValidationOutcome {
        do {
            return ValidationOutcome(report: try JSONDecoder().decode(DomainReport.self, from: Data(row.facts.utf8)))
        } catch {
            throw CorruptStateError(table: "validation", column: "facts", value: String(row.facts.prefix(80)),
                                    why: "not a checker report: \(error)")
        }
    }

    /// Publishes the round's list when it differs from the committed one. `resumed`: an earlier completion of
    /// this round reached this step; if the committed list is newer than every recorded publication, that
    /// completion committed it and died before recording it, and it is recorded now as the round's.
    private func publish(_ publisher: any ListPublishing, runId: Int64, resumed: Bool,
                         summary: inout RunSummary) async throws {
        let now = clock.now()
        let committed = try await publisher.committedList()
        let desired = try await store.read { tx in
            try tx.records(inStates: Set(LifecycleState.allCases.filter(\.isInList))).compactMap(\.listEntry)
        }
        /// Records `info` as the round's publication, made at `time`.
        func record(_ info: PublishedListInfo, at time: Timestamp) async throws {
            try await store.write { tx in
                try tx.insert(PublicationRow(time: time, serial: Int64(info.serial), expires: info.expires,
                                             domains: info.domains, commit: info.commit, runId: runId))
            }
        }
        let inList: Set<String>
        switch PublishDecision.decide(desired: desired, committed: committed, now: now) {
        case .publish(let reason):
            let info = try await publisher.publish(entries: desired, now: now)
            try await record(info, at: now)
            summary.publication = .init(action: .published, reason: reason, list: info)
            inList = Set(desired.map(\.domain.value))
        case .skip(let reason):
            inList = Set(committed?.entries.map(\.domain.value) ?? [])
            // Only a resumed completion reads the publications: a list newer than all of them is this round's.
            if resumed, let committed,
               try await store.read({ try $0.lastPublication() }).map({ $0.serial < Int64(committed.serial) }) ?? true {
                let info = PublishedListInfo(serial: committed.serial, generated: committed.generated,
                                             expires: committed.expires, domains: committed.entries.count,
                                             commit: await publisher.committedListCommit())
                try await record(info, at: committed.generated)
                summary.publication = .init(action: .published, reason: "committed by an interrupted completion of this round, recorded now",
                                            list: info)
            } else {
                summary.publication = .init(action: .skipped, reason: reason, list: nil)
            }
        }
        // Owner removals take effect once the committed list no longer has the domain.
        let policy = self.policy
        let steps = try await store.write { tx in
            var steps: [LifecycleStep] = []
            for record in try tx.records(inStates: [.removalRequested]) where !inList.contains(record.domain.value) {
                let step = try Lifecycle.apply(.publishedWithout, to: record, domain: record.domain, now: now, policy: policy)
                try tx.record(step, actor: .validateAll, now: now, policy: policy)
                steps.append(step)
            }
            return steps
        }
        for step in steps { summary.add(step) }
    }

    private func setPhase(_ runId: Int64, _ phase: RunPhase) async throws -> RunPhase {
        try await store.write { tx in
            guard var run = try tx.run(runId) else { return phase }
            run.phase = phase
            try tx.update(run)
            return phase
        }
    }

    private func finish(_ runId: Int64, status: RunStatus, summary: RunSummary) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(summary), as: UTF8.self)
        let now = clock.now()
        try await store.write { tx in
            guard var run = try tx.run(runId) else { return }
            run.status = status
            run.phase = status == .completed ? .done : run.phase
            run.finished = now
            run.summary = json
            try tx.update(run)
        }
    }
}
