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

/// A small HTTP/1.1 server on SwiftNIO: reads each request completely (refusing bodies over the limit
/// with 413 before reading them), hands it to an ``ImmediateHandler`` and, when that has no answer, to a
/// ``ServiceHandler`` in a task, and writes the answer. Keep-alive and
/// pipelining follow NIO's HTTP server pipeline. ``shutdown(grace:)`` stops accepting, lets requests in
/// flight finish, then closes the idle connections.
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
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(ServiceHTTPHandler(handler: handler, immediate: immediate,
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

/// One connection: collects a request, answers it, repeats.
private final class ServiceHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: ServiceHandler
    private let immediate: ImmediateHandler?
    private let maxBodyBytes: Int
    private let tracker: ConnectionTracker
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// The request is refused (413): ignore its remaining parts, close after answering.
    private var refusing = false
    /// The peer's address, as text (made once per connection).
    private var peer: String?

    init(handler: @escaping ServiceHandler, immediate: ImmediateHandler?, maxBodyBytes: Int, tracker: ConnectionTracker) {
        self.handler = handler
        self.immediate = immediate
        self.maxBodyBytes = maxBodyBytes
        self.tracker = tracker
    }

    private func peerAddress(_ channel: any Channel) -> String {
        if let peer { return peer }
        let address = Self.peerAddress(channel)
        peer = address
        return address
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            refusing = false
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBodyBytes {
                refuse(head, context: context)
            }
        case .body(var buffer):
            guard !refusing, let head else { return }
            if body.count + buffer.readableBytes > maxBodyBytes {
                refuse(head, context: context)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head, !refusing else { return }
            self.head = nil
            let peer = peerAddress(context.channel)
            if body.isEmpty, let immediate, let response = immediate(head, peer) {
                send(response, for: head, context: context)
                return
            }
            let request = ServiceRequest(method: head.method, uri: head.uri, headers: head.headers, body: body,
                                         peer: peer)
            body = []
            tracker.begin()
            let handler = self.handler
            let tracker = self.tracker
            context.eventLoop.makeFutureWithTask { await handler(request) }
                .assumeIsolated().whenComplete { result in
                    let response = (try? result.get()) ?? ServiceResponse(status: .internalServerError)
                    self.send(response, for: head, context: context)
                    tracker.end()
                }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Answers 413 at once and closes the connection: the rest of the body is never read.
    private func refuse(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        refusing = true
        var closing = head
        closing.headers.replaceOrAdd(name: "Connection", value: "close")
        let problem = Problem(.payloadTooLarge, code: "request.too-large",
                              "The request body is larger than \(maxBodyBytes) bytes.")
        send(problem.response, for: closing, context: context, close: true)
    }

    private func send(_ response: ServiceResponse, for head: HTTPRequestHead, context: ChannelHandlerContext,
                      close: Bool = false) {
        guard context.channel.isActive else { return }
        var headers = response.headers
        let keepAlive = head.isKeepAlive && !close
        // A prepared answer carries its Content-Length: its headers are written as they are.
        if response.wire == nil || !keepAlive {
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))),
                      promise: nil)
        if head.method != .HEAD, !response.body.isEmpty {
            let body = response.wire ?? context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    static func peerAddress(_ channel: any Channel) -> String {
        guard let address = channel.remoteAddress else { return "" }
        return address.ipAddress ?? ""
    }
}

/// Waits for SIGTERM or SIGINT (both are then ignored by default handling, so the process stops only when
/// its caller is done).
public enum TerminationSignal {
    /// The number of the first SIGTERM or SIGINT that arrives.
    public static func wait() async -> Int32 {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        var received: Int32 = SIGTERM
        for await number in signals {
            received = number
            break
        }
        for source in sources { source.cancel() }
        return received
    }
}
