import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PreloadClient

/// Limits and options of a socketmap server.
public struct SocketmapConfiguration: Sendable {
    /// Where to listen.
    public var listen: ListenAddress
    /// Map names answered (`socketmap:inet:HOST:PORT:NAME`); others get `PERM`.
    public var mapNames: Set<String>
    /// The largest request payload accepted; a longer netstring closes the connection.
    public var maxRequestBytes: Int
    /// Unanswered requests per connection before the server stops reading from it.
    public var maxPipelined: Int
    /// A connection with no request for this long is closed (Postfix reconnects as needed).
    public var idleTimeout: TimeAmount
    /// Which attributes `OK` values may carry.
    public var postfixVersion: PostfixVersion

    /// A configuration with the defaults: map name `postfix`, 2 KiB requests, 64 pipelined, 5 minutes idle.
    public init(listen: ListenAddress, mapNames: Set<String> = ["postfix"], maxRequestBytes: Int = 2048,
                maxPipelined: Int = 64, idleTimeout: TimeAmount = .minutes(5),
                postfixVersion: PostfixVersion = .baseline) {
        self.listen = listen
        self.mapNames = mapNames
        self.maxRequestBytes = maxRequestBytes
        self.maxPipelined = maxPipelined
        self.idleTimeout = idleTimeout
        self.postfixVersion = postfixVersion
    }
}

/// A running socketmap daemon (Postfix `socketmap_table(5)`), answering TLS policy lookups from a
/// ``PolicyResolving``.
public final class SocketmapServer: Sendable {
    private let serverChannel: any Channel
    private let connections: ConnectionRegistry
    private let logger: Logger

    private init(serverChannel: any Channel, connections: ConnectionRegistry, logger: Logger) {
        self.serverChannel = serverChannel
        self.connections = connections
        self.logger = logger
    }

    /// Binds and starts serving.
    public static func start(configuration: SocketmapConfiguration, resolver: any PolicyResolving, logger: Logger,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> SocketmapServer {
        let responder = SocketmapResponder(mapNames: configuration.mapNames, resolver: resolver,
                                           postfixVersion: configuration.postfixVersion, logger: logger)
        let connections = ConnectionRegistry()
        let config = configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.insert(channel) else {
                        throw ChannelError.ioOnClosedChannel  // the server is stopping
                    }
                    channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: config.idleTimeout))
                    try sync.addHandler(ByteToMessageHandler(NetstringDecoder(maxLength: config.maxRequestBytes)))
                    try sync.addHandler(SocketmapHandler(responder: responder, maxInFlight: config.maxPipelined))
                }
            }
        let channel: any Channel
        switch configuration.listen {
        case .tcp(let host, let port):
            channel = try await bootstrap.bind(host: host, port: port).get()
        case .unix(let path):
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        logger.info("socketmap listening", metadata: ["address": "\(configuration.listen)", "bound": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return SocketmapServer(serverChannel: channel, connections: connections, logger: logger)
    }

    /// The bound address (useful with port 0).
    public var localAddress: SocketAddress? { serverChannel.localAddress }

    /// The bound TCP port, if any.
    public var port: Int? { serverChannel.localAddress?.port }

    /// Open connections right now.
    public var connectionCount: Int { connections.count }

    /// Graceful stop: stops accepting, lets every connection answer the requests it has read, closes them,
    /// and returns when all are closed. Connections still busy after `gracePeriod` are closed anyway.
    public func shutdown(gracePeriod: TimeAmount = .seconds(10)) async {
        try? await serverChannel.close()
        let open = connections.closeRegistry()
        logger.info("socketmap stopping", metadata: ["connections": "\(open.count)"])
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(SocketmapQuiesce())
        }
        let deadline = serverChannel.eventLoop.scheduleTask(in: gracePeriod) {
            for channel in open { channel.close(promise: nil) }
        }
        for channel in open { try? await channel.closeFuture.get() }
        deadline.cancel()
    }

    /// Serves until SIGTERM or SIGINT arrives, then stops gracefully (see ``shutdown(gracePeriod:)``).
    public func runUntilTerminated(gracePeriod: TimeAmount = .seconds(10)) async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        for await number in signals {
            logger.info("socketmap received a signal", metadata: ["signal": "\(number)"])
            break
        }
        sources.forEach { $0.cancel() }
        await shutdown(gracePeriod: gracePeriod)
    }
}

/// The open connections of a server, so that a graceful stop can reach them.
/// `@unchecked Sendable`: every access to the mutable state holds `lock`.
private final class ConnectionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]
    private var closed = false

    /// Adds a connection; `false` once the registry is closed (the server is stopping).
    func insert(_ channel: any Channel) -> Bool {
        lock.withLock {
            if closed { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        lock.withLock { _ = channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { lock.withLock { channels.count } }

    /// Refuses further connections and returns the open ones.
    func closeRegistry() -> [any Channel] {
        lock.withLock {
            closed = true
            return Array(channels.values)
        }
    }
}
