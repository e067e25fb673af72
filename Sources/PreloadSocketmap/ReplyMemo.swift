import NIOCore
import PreloadClient

/// Replies already rendered on one event loop, by request payload, valid for one ``DecisionEpoch``: within
/// the same second, with the same list and the same MTA-STS cache, the resolver would make the same decision
/// again, so the same bytes are sent without normalising the key, consulting the list and the cache, merging
/// and rendering again. Touched only from its event loop.
///
/// Only requests answered from memory are remembered (never a lookup's result: it changes the cache, and so
/// the epoch), and never when decisions are logged (each is logged as it is made).
final class ReplyMemo {
    struct Entry {
        var epoch: DecisionEpoch
        /// The reply netstring.
        var reply: ByteBuffer
        /// What the metrics count for this answer.
        var source: SocketmapMetrics.Source
    }

    /// The most payloads remembered; past it the memo starts afresh.
    let capacity: Int
    private var entries: [ByteBuffer: Entry] = [:]

    init(capacity: Int = 8192) {
        self.capacity = capacity
        entries.reserveCapacity(min(capacity, 1024))
    }

    /// The reply for `payload` made in `epoch`, if any.
    func reply(for payload: ByteBuffer, in epoch: DecisionEpoch) -> Entry? {
        guard let entry = entries[payload], entry.epoch == epoch else { return nil }
        return entry
    }

    /// Remembers a reply (`payload` is copied, so that the memo does not hold the connection's read buffer).
    func remember(_ payload: ByteBuffer, _ entry: Entry) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        var key = ByteBufferAllocator().buffer(capacity: payload.readableBytes)
        key.writeImmutableBuffer(payload)
        entries[key] = entry
    }

    var count: Int { entries.count }
}

/// One memo per event loop of a group, made on first use on its loop.
struct ReplyMemos: Sendable {
    private let memos: [ObjectIdentifier: NIOLoopBoundBox<ReplyMemo?>]

    init(group: any EventLoopGroup) {
        var memos: [ObjectIdentifier: NIOLoopBoundBox<ReplyMemo?>] = [:]
        for loop in group.makeIterator() {
            memos[ObjectIdentifier(loop)] = .makeEmptyBox(valueType: ReplyMemo.self, eventLoop: loop)
        }
        self.memos = memos
    }

    /// The memo of `loop` (call on `loop`); `nil` for a loop outside the group.
    func memo(for loop: any EventLoop) -> ReplyMemo? {
        guard let box = memos[ObjectIdentifier(loop)] else { return nil }
        if let memo = box.value { return memo }
        let memo = ReplyMemo()
        box.value = memo
        return memo
    }
}
