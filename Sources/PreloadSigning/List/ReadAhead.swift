import Foundation
import PreloadCore

/// Reads a stream ahead on a second thread: the producer thread calls the caller's `read` and hands each
/// piece to `digest` (hashing), filling a few buffers; the calling thread takes the bytes from them (to
/// decode). Reading, inflating or hashing a list and decoding it then overlap on two cores instead of
/// following each other.
///
/// The caller's `read` and `digest` run on the producer thread only, while the caller is inside ``run(_:)``:
/// they are never called concurrently with anything else of the caller's.
final class ReadAhead: @unchecked Sendable {  // all shared state is guarded by `condition`
    private let condition = NSCondition()
    private let slots: [UnsafeMutableRawBufferPointer]
    private var lengths: [Int]
    /// Slots filled and not yet taken, from `head`.
    private var ready = 0
    private var head = 0
    /// The producer has handed out its last (empty) piece.
    private var finished = false
    /// The consumer will take nothing more: the producer still reads (and hashes) to the end, without waiting.
    private var draining = false
    /// Bytes of slot `head` already taken by the consumer.
    private var taken = 0

    private init(slots count: Int, size: Int) {
        slots = (0..<count).map { _ in .allocate(byteCount: size, alignment: 16) }
        lengths = Array(repeating: 0, count: count)
    }

    deinit { slots.forEach { $0.deallocate() } }

    /// Runs `consume` on the calling thread with a `read` function fed by a producer thread that calls
    /// `read` then `digest` on each piece; when `consume` returns, the rest of the stream is still read and
    /// digested (a signature covers every byte), then the producer is joined.
    static func run<R>(read: (UnsafeMutableRawBufferPointer) -> Int, digest: (UnsafeRawBufferPointer) -> Void,
                       slots: Int = 4, slotSize: Int = 1 << 20,
                       _ consume: ((UnsafeMutableRawBufferPointer) -> Int) -> R) -> R {
        withoutActuallyEscaping(read) { read in
            withoutActuallyEscaping(digest) { digest in
                let pipe = ReadAhead(slots: slots, size: slotSize)
                // The thread object may outlive `done.signal()`: it must not hold the borrowed closures then.
                let producer = Producer(read, digest)
                let done = DispatchSemaphore(value: 0)
                let thread = Thread {
                    producer.run(pipe)
                    done.signal()
                }
                thread.name = "preload-read-ahead"
                thread.start()
                let result = consume(pipe.take(into:))
                pipe.drain()
                done.wait()
                return result
            }
        }
    }

    fileprivate func produce(_ read: (UnsafeMutableRawBufferPointer) -> Int, _ digest: (UnsafeRawBufferPointer) -> Void) {
        var slot = 0
        while true {
            condition.lock()
            while ready == slots.count && !draining { condition.wait() }
            let skipping = draining
            condition.unlock()
            // While draining, read into any buffer: nobody takes the bytes, only the digest needs them.
            let buffer = skipping ? slots[0] : slots[slot]
            let n = read(buffer)
            if n > 0 { digest(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
            condition.lock()
            if !draining && !skipping {
                lengths[slot] = max(n, 0)
                ready += 1
                slot = (slot + 1) % slots.count
            }
            if n <= 0 { finished = true }
            condition.broadcast()
            condition.unlock()
            if n <= 0 { return }
        }
    }

    /// The consumer's `read`: copies the next bytes into `buffer`; 0 at the end of the stream.
    private func take(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while ready == 0 && !finished { condition.wait() }
        guard ready > 0 else { return 0 }
        let length = lengths[head]
        guard length > 0 else { return 0 }  // the producer's end-of-stream piece
        let n = min(buffer.count, length - taken)
        buffer.baseAddress!.copyMemory(from: slots[head].baseAddress! + taken, byteCount: n)
        taken += n
        if taken == length {
            taken = 0
            head = (head + 1) % slots.count
            ready -= 1
            condition.broadcast()
        }
        return n
    }

    /// The consumer is done: release the slots and let the producer read to the end.
    private func drain() {
        condition.lock()
        draining = true
        ready = 0
        condition.broadcast()
        condition.unlock()
    }
}

/// The caller's closures, lent to the producer thread for the time of ``ReadAhead/run(read:digest:slots:slotSize:_:)``
/// (its use there does not overlap the caller's) and dropped as soon as the producer is done with them.
private final class Producer: @unchecked Sendable {
    private var read: ((UnsafeMutableRawBufferPointer) -> Int)?
    private var digest: ((UnsafeRawBufferPointer) -> Void)?

    init(_ read: @escaping (UnsafeMutableRawBufferPointer) -> Int, _ digest: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.read = read
        self.digest = digest
    }

    func run(_ pipe: ReadAhead) {
        pipe.produce(read!, digest!)
        read = nil
        digest = nil
    }
}

