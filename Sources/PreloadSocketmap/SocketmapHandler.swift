import Logging
import NIOCore
import PreloadClient

/// Asks a connection to finish the requests it has read, answer them, and close (graceful stop).
public struct SocketmapQuiesce: Hashable, Sendable {
    /// The event.
    public init() {}
}

/// Limits of one connection.
struct SocketmapConnectionLimits {
    /// The largest request payload; a longer netstring closes the connection.
    var maxRequestBytes: Int
    /// Requests read but not yet answered (or answered but queued behind an unanswered one) before the
    /// connection stops reading.
    var maxInFlight: Int
    /// How long one request may take to arrive, from its first byte to its last.
    var requestTimeout: TimeAmount
    /// A connection with nothing read for this long and nothing left to answer is closed.
    var idleTimeout: TimeAmount
}

/// One socketmap connection: frames netstrings, answers requests strictly in request order (pipelining),
/// from memory on the event loop when the resolver can decide at once, otherwise through an asynchronous
/// resolution.
///
/// - Back-pressure: stops reading while `maxInFlight` requests are unanswered or while the channel is not
///   writable (a client that sends and never reads fills the socket, not the daemon's memory), and resumes
///   when both clear.
/// - A request must arrive within `requestTimeout` of its first byte; a slower one closes the connection.
/// - When the client half-closes its sending side, the requests it sent are answered, then the connection
///   is closed.
/// - Closes on a framing error (after answering the requests before it), on read idleness, and on
///   ``SocketmapQuiesce`` once every request read so far is answered.
/// - Replies made from memory are remembered in the event loop's ``ReplyMemo`` for their epoch.
final class SocketmapHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: SocketmapResponder
    private let limits: SocketmapConnectionLimits
    private let maxDigits: Int
    private let memo: ReplyMemo?

    /// Bytes read and not yet framed.
    private var inbound: ByteBuffer?
    /// Replies not yet written, in request order: `nil` while the request is being resolved. Empty in the
    /// usual case, where replies are written as soon as they are known.
    private var queued = CircularBuffer<ByteBuffer?>(initialCapacity: 4)
    /// The sequence number of `queued.first`.
    private var queuedBase = 0
    /// Replies known during the current read, written together.
    private var batch: ByteBuffer?
    /// The last batch written: reused for the next one when the channel has let go of it (no allocation).
    private var spare: ByteBuffer?

    private var readHeld = false
    /// Framing stopped with complete requests still in `inbound` (back-pressure).
    private var stalled = false
    /// Takes no new requests (quiesce, idleness, framing error, timeout); closes once `queued` is empty.
    private var stopping = false
    /// The client half-closed: answer what is complete in `inbound`, then close.
    private var inputClosed = false
    private var closing = false
    private var active = true
    private var requestDeadline: Scheduled<Void>?
    private var idleCheck: Scheduled<Void>?
    private var lastRead = NIODeadline.now()

    init(responder: SocketmapResponder, limits: SocketmapConnectionLimits, memo: ReplyMemo?) {
        self.responder = responder
        var limits = limits
        limits.maxInFlight = max(1, limits.maxInFlight)
        self.limits = limits
        self.maxDigits = Netstring.digitCount(limits.maxRequestBytes)
        self.memo = memo
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lastRead = .now()
        scheduleIdleCheck(at: lastRead + limits.idleTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        requestDeadline?.cancel()
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        guard !stopping, !inputClosed else { return }
        var bytes = unwrapInboundIn(data)
        if var buffer = inbound, buffer.readableBytes > 0 {
            inbound = nil  // keep `buffer` uniquely referenced: no copy on write
            buffer.writeBuffer(&bytes)
            inbound = buffer
        } else {
            inbound = bytes
        }
        process(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if mustHoldReads(context: context) {
            readHeld = true
        } else {
            context.read()
        }
    }

    private func mustHoldReads(context: ChannelHandlerContext) -> Bool {
        stopping || inputClosed || stalled || queued.count >= limits.maxInFlight || !context.channel.isWritable
    }

    /// Frames and answers the complete requests in `inbound`, as far as back-pressure allows, then writes
    /// the replies known at once and sets the request deadline for a partial request left over.
    private func process(context: ChannelHandlerContext) {
        guard var buffer = inbound else { return }
        inbound = nil
        var framed = false
        var framingError: NetstringError?
        stalled = false
        let epoch = memo == nil ? nil : responder.reuseEpoch()
        while !stopping, buffer.readableBytes > 0 {
            if queued.count >= limits.maxInFlight || !context.channel.isWritable {
                stalled = true
                break
            }
            let parsed: Result<NetstringFrame?, NetstringError> = buffer.withUnsafeReadableBytes { bytes in
                Result { () throws(NetstringError) in
                    try Netstring.parse(bytes, maxLength: limits.maxRequestBytes, maxDigits: maxDigits)
                }
            }
            guard case .success(let found) = parsed else {
                if case .failure(let error) = parsed { framingError = error }
                break
            }
            guard let frame = found else { break }  // incomplete: wait for more bytes
            if let epoch, let memo {
                let payload = buffer.getSlice(at: buffer.readerIndex + frame.payload.lowerBound, length: frame.payload.count)!
                if let known = memo.reply(for: payload, in: epoch) {
                    responder.countReused(known.source)
                    emit(known.reply, context: context)
                } else {
                    let (step, reusable) = payload.withUnsafeReadableBytes { responder.prepareReusable($0) }
                    if case .immediate(let answer) = step, let source = reusable {
                        var reply = context.channel.allocator.buffer(capacity: 128)
                        SocketmapResponder.writeReply(answer, into: &reply)
                        memo.remember(payload, ReplyMemo.Entry(epoch: epoch, reply: reply, source: source))
                        emit(reply, context: context)
                    } else {
                        handle(step, context: context)
                    }
                }
            } else {
                let step = buffer.withUnsafeReadableBytes { bytes in
                    responder.prepare(UnsafeRawBufferPointer(rebasing: bytes[frame.payload]))
                }
                handle(step, context: context)
            }
            buffer.moveReaderIndex(forwardBy: frame.end)
            framed = true
            if let pending = batch, pending.readableBytes >= 16384 {
                // Let writability see large batches (a pipelining client that does not read).
                batch = nil
                context.write(wrapOutboundOut(pending), promise: nil)
            }
        }
        if buffer.readableBytes == 0 {
            inbound = nil  // lets NIO reuse its receive buffer
        } else {
            if buffer.readerIndex > 4096 { buffer.discardReadBytes() }
            inbound = buffer
        }
        flushBatch(context: context)

        if let framingError {
            responder.logger.debug("socketmap: closing a connection", metadata: ["error": "\(framingError)"])
            inbound = nil
            stop(context: context)
            return
        }
        let partial = !stalled && (inbound?.readableBytes ?? 0) > 0
        if !partial || inputClosed {
            requestDeadline?.cancel()
            requestDeadline = nil
        } else if framed || requestDeadline == nil {
            // A new request has started: it has `requestTimeout` to arrive in full.
            requestDeadline?.cancel()
            requestDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: limits.requestTimeout) {
                self.requestTimedOut(context: context)
            }
        }
        closeIfDone(context: context)
    }

    private func handle(_ step: SocketmapResponder.Step, context: ChannelHandlerContext) {
        switch step {
        case .immediate(let answer):
            if queued.isEmpty {
                if batch == nil { batch = newBatch(context: context) }
                SocketmapResponder.writeReply(answer, into: &batch!)
            } else {
                var reply = context.channel.allocator.buffer(capacity: 128)
                SocketmapResponder.writeReply(answer, into: &reply)
                queued.append(reply)
            }
        case .resolve(let domain):
            let sequence = queuedBase + queued.count
            queued.append(nil)
            let responder = self.responder
            context.eventLoop.makeFutureWithTask { await responder.resolve(domain) }
                .assumeIsolated()
                .whenSuccess { answer in self.resolved(sequence, answer, context: context) }
        }
    }

    /// Sends a reply already rendered, in order.
    private func emit(_ reply: ByteBuffer, context: ChannelHandlerContext) {
        if queued.isEmpty {
            if batch == nil { batch = newBatch(context: context) }
            batch!.writeImmutableBuffer(reply)
        } else {
            queued.append(reply)
        }
    }

    private func newBatch(context: ChannelHandlerContext) -> ByteBuffer {
        guard var reused = spare else { return context.channel.allocator.buffer(capacity: 256) }
        spare = nil
        reused.clear()  // copies only if the channel still holds it
        return reused
    }

    private func flushBatch(context: ChannelHandlerContext) {
        if let pending = batch {
            batch = nil
            context.writeAndFlush(wrapOutboundOut(pending), promise: nil)
            if pending.capacity <= 4096 { spare = pending }
        }
    }

    /// An asynchronous resolution finished: write every reply that is next in order.
    private func resolved(_ sequence: Int, _ answer: PostfixLookupAnswer, context: ChannelHandlerContext) {
        guard active else { return }
        var reply = context.channel.allocator.buffer(capacity: 128)
        SocketmapResponder.writeReply(answer, into: &reply)
        queued[queued.index(queued.startIndex, offsetBy: sequence - queuedBase)] = reply
        var wrote = false
        while let first = queued.first, let ready = first {
            queued.removeFirst()
            queuedBase += 1
            context.write(wrapOutboundOut(ready), promise: nil)
            wrote = true
        }
        if wrote { context.flush() }
        resume(context: context)
    }

    /// Continues after back-pressure cleared: frames what is buffered, then reads again.
    private func resume(context: ChannelHandlerContext) {
        guard active else { return }
        if stalled, queued.count < limits.maxInFlight, context.channel.isWritable {
            process(context: context)
        }
        if readHeld, !mustHoldReads(context: context) {
            readHeld = false
            context.read()
        }
        closeIfDone(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resume(context: context) }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Ending

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is SocketmapQuiesce {
            stop(context: context)
        } else if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            // The client sent everything it will send: answer it, then close.
            inputClosed = true
            if !stalled { process(context: context) }
            closeIfDone(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        responder.logger.debug("socketmap: closing a connection", metadata: ["error": "\(error)"])
        stop(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        requestDeadline?.cancel()
        requestDeadline = nil
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    private func scheduleIdleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.idleCheckDue(context: context)
        }
    }

    /// Closes a connection with nothing read for `idleTimeout` and nothing left to answer.
    private func idleCheckDue(context: ChannelHandlerContext) {
        idleCheck = nil
        guard active, !closing else { return }
        let idleUntil = lastRead + limits.idleTimeout
        if idleUntil <= .now(), queued.isEmpty {
            stop(context: context)
        } else {
            scheduleIdleCheck(at: max(idleUntil, .now() + .nanoseconds(limits.idleTimeout.nanoseconds / 10)), context: context)
        }
    }

    private func requestTimedOut(context: ChannelHandlerContext) {
        requestDeadline = nil
        guard active, !stopping else { return }
        responder.logger.debug("socketmap: closing a connection whose request did not arrive in time",
                               metadata: ["timeout": "\(limits.requestTimeout)"])
        inbound = nil
        stop(context: context)
    }

    /// Takes no new requests; closes once the ones already read are answered.
    private func stop(context: ChannelHandlerContext) {
        stopping = true
        closeIfDone(context: context)
    }

    /// Closes when nothing is left to answer: after a stop, or after the client half-closed and every complete
    /// request it sent is answered. Replies already written go out first.
    private func closeIfDone(context: ChannelHandlerContext) {
        guard active, !closing, queued.isEmpty else { return }
        guard stopping || (inputClosed && !stalled) else { return }
        closing = true
        requestDeadline?.cancel()
        requestDeadline = nil
        // Close after the replies written so far have left (writes complete in order); a client that does
        // not read them gets `requestTimeout` before the connection is closed anyway.
        let written = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)))
        let forced = context.eventLoop.assumeIsolated().scheduleTask(in: limits.requestTimeout) {
            context.close(promise: nil)
        }
        written.assumeIsolated().whenComplete { _ in
            forced.cancel()
            context.close(promise: nil)
        }
    }
}
