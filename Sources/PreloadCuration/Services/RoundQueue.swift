import PreloadCore

/// The order in which a `validate-all` worker starts the domains it claimed. Domains expected to be slow
/// (their previous check took at least ``slowMs``: mostly ones that waited out a timeout, which costs a slot
/// and no CPU) start first, so that they do not make the round's tail; but they hold at most ``slowSlots``
/// of the slots at once, so that the other slots keep checks running that use the CPU meanwhile. When no
/// other domain is left to start, the slow ones take any slot.
///
/// Claims arrive longest expected check first (``CurationStore``), so the first claims of a round with many
/// slow domains hold only slow ones: the worker claims on (``wantsMore``) until it has others to start.
struct RoundQueue {
    /// A previous check at least this long (milliseconds) makes a domain slow.
    let slowMs: Int64
    /// The most slots slow domains hold at once.
    let slowSlots: Int
    private var slow: [DomainName] = []
    private var other: [DomainName] = []
    private var slowHead = 0, otherHead = 0
    /// Slow domains started and not finished.
    private(set) var slowInFlight = 0

    /// Three quarters of `concurrency` slots (at least one) for slow domains.
    init(slowMs: Int64, concurrency: Int) {
        self.slowMs = slowMs
        slowSlots = max(1, concurrency * 3 / 4)
    }

    /// Adds claimed items, in claim order.
    mutating func add(_ items: [RunItemRow]) {
        for item in items {
            if let ms = item.expectedMs, ms >= slowMs { slow.append(item.domain) } else { other.append(item.domain) }
        }
    }

    /// Whether nothing claimed waits to start.
    var isEmpty: Bool { slowHead == slow.count && otherHead == other.count }

    /// Whether claiming more could let a domain start now: nothing waits, or only slow domains that have no
    /// slot left.
    var wantsMore: Bool { otherHead == other.count && (slowHead == slow.count || slowInFlight >= slowSlots) }

    /// The next domain to start and whether it is slow; `nil` when none may start now. `othersMayCome`:
    /// claims may still bring other domains (else slow ones take any slot).
    mutating func next(othersMayCome: Bool) -> (domain: DomainName, slow: Bool)? {
        if slowHead < slow.count && (slowInFlight < slowSlots || (otherHead == other.count && !othersMayCome)) {
            defer { slowHead += 1; slowInFlight += 1 }
            return (slow[slowHead], true)
        }
        if otherHead < other.count {
            defer { otherHead += 1 }
            return (other[otherHead], false)
        }
        return nil
    }

    /// A started domain's check ended.
    mutating func finished(slow wasSlow: Bool) {
        if wasSlow { slowInFlight -= 1 }
    }
}
