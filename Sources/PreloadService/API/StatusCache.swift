import PreloadCore
import PreloadCuration
import Synchronization

/// Status answers, kept until the curation state changes. Each answer is tagged with the cache's
/// generation read *before* the state was read; an answer whose tag is not the current generation is
/// never served. The generation moves on
/// - at once when this service writes (``invalidate()``, called after each write committed), and
/// - within ``pollInterval`` of a commit by anyone else (`validate-all`, `publish`, `preload submit` on the
///   same state, another `preload serve`): a task reads the state's commit counter
///   (``CurationStore/commitCounter()``, SQLite's `PRAGMA data_version`) every ``pollInterval``.
///
/// So an answer is at most ``pollInterval`` (plus the time of one poll) behind a change made by another
/// process, and never behind one made by this service. An answer that would change with time alone (an
/// open challenge expiring, a probation date that moves with "now") also carries the time at which it
/// stops being served.
final class StatusCache: Sendable {
    /// How often the state's commit counter is read.
    static let pollInterval: Duration = .milliseconds(250)
    /// Entries kept at most (the table is emptied when full: hostile callers can only cause misses).
    static let capacity = 20_000

    struct Entry: Sendable {
        var response: ServiceResponse
        var generation: UInt64
        /// The answer is served only while now (seconds since 1970) is before this.
        var validUntil: Int64
    }

    private let entries = Mutex([StatusKey: Entry]())
    private let generationCounter = Atomic<UInt64>(0)
    private let poller = Mutex<Task<Void, Never>?>(nil)

    init() {}

    deinit { poller.withLock { $0?.cancel() } }

    /// Starts reading `store`'s commit counter every ``pollInterval``; the task ends with the cache. When
    /// the counter cannot be read, every poll counts as a change (answers then live one interval at most).
    func watch(_ store: any CurationStore) {
        let task = Task.detached { [weak self] in
            var last: Int64? = nil
            while !Task.isCancelled {
                let counter = try? await store.commitCounter()
                do {
                    guard let self else { return }
                    if counter == nil || counter != last { self.invalidate() }
                }
                last = counter
                try? await Task.sleep(for: Self.pollInterval)
            }
        }
        poller.withLock { $0 = task }
    }

    /// The generation to tag an answer with: read it before reading the state for that answer.
    var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    /// The answer kept for `key`, if it is of the current generation and still valid at `now`.
    func get(_ key: StatusKey, now: @autoclosure () -> Int64) -> ServiceResponse? {
        let current = generation
        guard let entry = entries.withLock({ $0[key] }), entry.generation == current else { return nil }
        if entry.validUntil != .max, now() >= entry.validUntil { return nil }
        return entry.response
    }

    /// Keeps `response` for `key`, tagged with `generation` (read before the state was read).
    func put(_ key: StatusKey, _ response: ServiceResponse, generation: UInt64, validUntil: Int64) {
        guard generation == self.generation else { return }
        let entry = Entry(response: response.prepared(), generation: generation, validUntil: validUntil)
        entries.withLock { table in
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[key] = entry
        }
    }

    /// The state changed: no answer kept so far is served again.
    func invalidate() {
        generationCounter.add(1, ordering: .releasing)
        entries.withLock { $0.removeAll(keepingCapacity: true) }
    }
}

/// What a status answer is kept by: the domain as the request named it and the number of validations.
struct StatusKey: Hashable, Sendable {
    var domain: String
    var validations: Int
}

extension StatusCache {
    /// Until when (seconds since 1970, exclusive) `status`, computed at `now` or later, stays right while
    /// the state does not change. Time alone changes an answer at the times it names: an open challenge
    /// disappears when it expires, and a forecast date that is not in the future is "now" (probation's
    /// `max(end, now)`), which moves every second. Without such a time the answer lasts until the state
    /// changes.
    static func validUntil(_ status: DomainStatus, now: Timestamp) -> Int64 {
        var until = Int64.max
        for time in [status.challenge?.expires, status.next?.date] {
            guard let t = time?.secondsSince1970 else { continue }
            until = min(until, t > now.secondsSince1970 ? t : now.secondsSince1970 + 1)
        }
        return until
    }
}
