import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What answers requests: the whole service behind one function.
public typealias ServiceHandler = @Sendable (ServiceRequest) async -> ServiceResponse

/// What answers a request without a body at once, on the event loop that read it, when it can: the request
/// head and the peer's address in, an answer or `nil` (then ``ServiceHandler`` answers it). It must never
/// block or wait.
public typealias ImmediateHandler = @Sendable (HTTPRequestHead, _ peer: String) -> ServiceResponse?

/// A small HTTP/1.1 server on SwiftNIO with its own request reader (``HTTPRequestReader``): reads each
/// request completely (refusing bodies over the limit with 413 before reading them, and malformed or
/// oversized heads with 400, 414, 431, 501 or 505), hands it to an ``ImmediateHandler`` and, when that has
/// no answer, to a ``ServiceHandler`` in a task, and writes the answer as one buffer. Keep-alive (HTTP/1.1
/// unless `Connection: close`; HTTP/1.0 with `Connection: keep-alive`) and pipelining (answers in request
/// order). ``shutdown(grace:)`` stops accepting, lets requests in flight finish, then closes the idle
/// connections.
public final class HTTPServer: Sendable {
    private let channel: any Channel
    private let tracker: ConnectionTracker
    private let logger: Logger

    private init(channel: any Channel, tracker: ConnectionTracker, logger: Logger) {
        self.channel = channel
        self.tracker = tracker
        self.logger = logger
    }

    /// The bound TCP port (useful with port 0).
    public var port: Int? { channel.localAddress?.port }

    /// Listens on `host:port` and serves until ``shutdown(grace:)``.
    public static func start(host: String, port: Int, maxBodyBytes: Int, idleTimeout: TimeAmount = .seconds(60),
                             threads: Int? = nil, logger: Logger, tls: TLSServerContext? = nil,
                             immediate: ImmediateHandler? = nil,
                             handler: @escaping ServiceHandler) async throws -> HTTPServer {
        let tracker = ConnectionTracker()
        let group: any EventLoopGroup = threads.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) }
            ?? MultiThreadedEventLoopGroup.singleton
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(TLSServerHandler(context: tls)) }
                    try sync.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try sync.addHandler(ServiceConnectionHandler(handler: handler, immediate: immediate,
                                                                   maxBodyBytes: maxBodyBytes, tracker: tracker))
                    tracker.opened(channel)
                    channel.closeFuture.whenComplete { _ in tracker.closed(channel) }
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return HTTPServer(channel: channel, tracker: tracker, logger: logger)
    }

    /// Stops accepting connections, waits up to `grace` for requests in flight to be answered, then closes
    /// every connection.
    public func shutdown(grace: Duration = .seconds(30)) async {
        try? await channel.close()
        let deadline = ContinuousClock.now + grace
        while tracker.inFlight > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if tracker.inFlight > 0 {
            logger.warning("requests still in flight at the end of the grace period", metadata: ["count": "\(tracker.inFlight)"])
        }
        for connection in tracker.open { try? await connection.close() }
    }

    /// Requests being answered now.
    public var inFlight: Int { tracker.inFlight }
}

/// Open connections and requests in flight, for a graceful shutdown.
final class ConnectionTracker: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var inFlight = 0
    }
    private let state = Mutex(State())

    func opened(_ channel: any Channel) { state.withLock { $0.open[ObjectIdentifier(channel)] = channel } }
    func closed(_ channel: any Channel) { state.withLock { _ = $0.open.removeValue(forKey: ObjectIdentifier(channel)) } }
    func begin() { state.withLock { $0.inFlight += 1 } }
    func end() { state.withLock { $0.inFlight -= 1 } }
    var inFlight: Int { state.withLock { $0.inFlight } }
    var open: [any Channel] { state.withLock { Array($0.open.values) } }
}

/// One connection: reads requests with ``HTTPRequestReader``, answers them in the order they came (an
/// answer from the ``ServiceHandler`` holds back the requests after it, and reading, until it is written),
/// and writes each answer as one buffer. A refused request is answered with its problem and the
/// connection closed.
private final class ServiceConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let handler: ServiceHandler
    private let immediate: ImmediateHandler?
    private let tracker: ConnectionTracker
    private var reader: HTTPRequestReader
    /// Bytes read and not yet consumed by the reader.
    private var input: ByteBuffer?
    /// A request is with the ``ServiceHandler``: nothing more is read or answered until its answer is written.
    private var answering = false
    /// A read was asked for while answering.
    private var readPending = false
    /// The last answer is written and the connection closes: the rest of the input is read and dropped
    /// (so that the kernel does not reset the connection before the peer reads the answer).
    private var closing = false
    /// The peer's address, as text (made once per connection).
    private var peer: String?

    init(handler: @escaping ServiceHandler, immediate: ImmediateHandler?, maxBodyBytes: Int, tracker: ConnectionTracker) {
        self.handler = handler
        self.immediate = immediate
        self.tracker = tracker
        self.reader = HTTPRequestReader(limits: HTTPRequestLimits(bodyBytes: maxBodyBytes))
    }

    private func peerAddress(_ channel: any Channel) -> String {
        if let peer { return peer }
        let address = Self.peerAddress(channel)
        peer = address
        return address
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var bytes = unwrapInboundIn(data)
        if input == nil || input?.readableBytes == 0 {
            input = bytes
        } else {
            input!.writeBuffer(&bytes)
        }
        serve(context: context)
    }

    /// Reads and answers the requests in the input until it runs out, a request goes to the
    /// ``ServiceHandler``, or the connection closes.
    private func serve(context: ChannelHandlerContext) {
        var written = false
        while !answering, !closing, let available = input?.readableBytes, available > 0 {
            let step = input!.withUnsafeReadableBytes { reader.next($0) }
            switch step {
            case .needMore(let consumed):
                input!.moveReaderIndex(forwardBy: consumed)
                if input!.readableBytes == 0 {
                    input = nil
                } else if input!.readerIndex > 64 * 1024 {
                    input!.discardReadBytes()
                }
                if written { context.flush() }
                return
            case .request(let request, let consumed):
                input!.moveReaderIndex(forwardBy: consumed)
                written = answer(request, context: context) || written
            case .refused(let refusal):
                closing = true
                input = nil
                let problem = Problem(HTTPResponseStatus(statusCode: refusal.status), code: refusal.code, refusal.detail)
                write(problem.response, minorVersion: 1, headOnly: false, keepAlive: false, context: context)
                written = true
            }
        }
        if written { context.flush() }
    }

    /// Answers one request: at once when it can (the answer written, not flushed: `true`), else through the
    /// ``ServiceHandler`` in a task (`false`).
    private func answer(_ read: HTTPReadRequest, context: ChannelHandlerContext) -> Bool {
        let method = HTTPMethod(rawValue: read.method)
        let head = HTTPRequestHead(version: read.minorVersion == 0 ? .http1_0 : .http1_1, method: method,
                                   uri: read.target, headers: HTTPHeaders(read.headers.map { ($0.name, $0.value) }))
        let peer = peerAddress(context.channel)
        let headOnly = method == .HEAD
        if read.body.isEmpty, let immediate, let response = immediate(head, peer) {
            write(response, minorVersion: read.minorVersion, headOnly: headOnly, keepAlive: read.keepAlive, context: context)
            return true
        }
        let request = ServiceRequest(method: method, uri: read.target, headers: head.headers, body: read.body, peer: peer)
        answering = true
        tracker.begin()
        let handler = self.handler
        let tracker = self.tracker
        context.eventLoop.makeFutureWithTask { await handler(request) }
            .assumeIsolated().whenComplete { result in
                let response = (try? result.get()) ?? ServiceResponse(status: .internalServerError)
                self.answering = false
                if context.channel.isActive {
                    self.write(response, minorVersion: read.minorVersion, headOnly: headOnly, keepAlive: read.keepAlive,
                               context: context)
                    context.flush()
                    self.serve(context: context)
                    if self.readPending, !self.answering, !self.closing {
                        self.readPending = false
                        context.read()
                    }
                }
                tracker.end()
            }
        return false
    }

    /// Writes an answer (not flushed); after one that ends the connection, closes the sending side once
    /// written (the peer's end of file, or the idle timeout, closes the rest).
    private func write(_ response: ServiceResponse, minorVersion: Int, headOnly: Bool, keepAlive: Bool,
                       context: ChannelHandlerContext) {
        let bytes = response.encoded(minorVersion: minorVersion, keepAlive: keepAlive, headOnly: headOnly,
                                     allocator: context.channel.allocator)
        if keepAlive {
            context.write(wrapOutboundOut(bytes), promise: nil)
        } else {
            closing = true
            input = nil
            context.write(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
                context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if answering, !closing {
            readPending = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    static func peerAddress(_ channel: any Channel) -> String {
        guard let address = channel.remoteAddress else { return "" }
        return address.ipAddress ?? ""
    }
}
