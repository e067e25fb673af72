import Logging
import NIOCore

/// Asks a connection to finish the requests it has read, answer them, and close (graceful stop).
public struct SocketmapQuiesce: Hashable, Sendable {
    /// The event.
    public init() {}
}

/// One socketmap connection: takes decoded request payloads, answers them strictly in request order
/// (pipelining), and applies back-pressure by not reading while `maxInFlight` requests are unanswered.
///
/// Closes the connection on a framing error (after answering the requests before it), on read idleness, and
/// on ``SocketmapQuiesce`` once every request read so far is answered.
final class SocketmapHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: SocketmapResponder
    private let maxInFlight: Int
    private var nextSequence = 0
    private var nextToWrite = 0
    private var finished: [Int: PostfixReply] = [:]
    private var readHeld = false
    private var draining = false
    private var active = true

    private typealias PostfixReply = String

    init(responder: SocketmapResponder, maxInFlight: Int) {
        self.responder = responder
        self.maxInFlight = max(1, maxInFlight)
    }

    private var inFlight: Int { nextSequence - nextToWrite }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !draining else { return }
        let payload = unwrapInboundIn(data)
        let sequence = nextSequence
        nextSequence += 1
        switch responder.prepare(payload) {
        case .immediate(let answer):
            complete(sequence, SocketmapResponder.replyPayload(answer), context: context)
        case .resolve(let domain):
            let responder = self.responder
            context.eventLoop.makeFutureWithTask { await responder.resolve(domain) }
                .assumeIsolated()
                .whenSuccess { answer in
                    self.complete(sequence, SocketmapResponder.replyPayload(answer), context: context)
                }
        }
    }

    /// Records a reply and writes every reply that is next in order.
    private func complete(_ sequence: Int, _ reply: PostfixReply, context: ChannelHandlerContext) {
        guard active else { return }
        finished[sequence] = reply
        var wrote = false
        while let next = finished.removeValue(forKey: nextToWrite) {
            var buffer = context.channel.allocator.buffer(capacity: next.utf8.count + 8)
            Netstring.encode(next, into: &buffer)
            context.write(wrapOutboundOut(buffer), promise: nil)
            nextToWrite += 1
            wrote = true
        }
        if wrote { context.flush() }
        if draining {
            if inFlight == 0 { context.close(promise: nil) }
        } else if readHeld, inFlight < maxInFlight {
            readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if draining || inFlight >= maxInFlight {
            readHeld = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is SocketmapQuiesce {
            drain(context: context)
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if inFlight == 0 { drain(context: context) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        responder.logger.debug("socketmap: closing a connection", metadata: ["error": "\(error)"])
        drain(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        context.fireChannelInactive()
    }

    /// Takes no new requests; closes once the ones already read are answered.
    private func drain(context: ChannelHandlerContext) {
        draining = true
        if inFlight == 0, active { context.close(promise: nil) }
    }
}
