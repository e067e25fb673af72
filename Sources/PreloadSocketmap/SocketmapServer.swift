import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PreloadClient
import PreloadSystem

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
    /// One request must arrive within this time of its first byte, else the connection is closed (a client
    /// that trickles bytes cannot hold a connection); also the longest wait for a client to take the replies
    /// before a closing connection is dropped.
    public var requestTimeout: TimeAmount
    /// Which attributes `OK` values may carry.
    public var postfixVersion: PostfixVersion
    /// Event-loop threads of a group of the server's own; `nil` serves on the group given to
    /// ``SocketmapServer/start(configuration:resolver:logger:metrics:group:)`` (by default NIO's shared one,
    /// one thread per core).
    public var threads: Int?
    /// The kernel send buffer of each connection (`SO_SNDBUF`); `nil` keeps the system's autotuning.
    public var sendBufferBytes: Int?

    /// A configuration with the defaults: map name `postfix`, 2 KiB requests, 64 pipelined, 5 minutes idle,
    /// 10 seconds per request.
    public init(listen: ListenAddress, mapNames: Set<String> = ["postfix"], maxRequestBytes: Int = 2048,
                maxPipelined: Int = 64, idleTimeout: TimeAmount = .minutes(5), requestTimeout: TimeAmount = .seconds(10),
                postfixVersion: PostfixVersion = .baseline) {
        self.listen = listen
        self.mapNames = mapNames
        self.maxRequestBytes = maxRequestBytes
        self.maxPipelined = maxPipelined
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.postfixVersion = postfixVersion
    }
}

/// A running socketmap daemon (Postfix `socketmap_table(5)`), answering TLS policy lookups from a
/// ``PolicyResolving``.
public final class SocketmapServer: Sendable {
    private let serverChannel: any Channel
    private let connections: ConnectionRegistry
    private let logger: Logger
    private let ownGroup: MultiThreadedEventLoopGroup?
    /// The event loops serving the connections (other servers of the program, e.g. metrics, may share them).
    public let eventLoopGroup: any EventLoopGroup

    private init(serverChannel: any Channel, connections: ConnectionRegistry, logger: Logger,
                 group: any EventLoopGroup, ownGroup: MultiThreadedEventLoopGroup?) {
        self.serverChannel = serverChannel
        self.connections = connections
        self.logger = logger
        self.eventLoopGroup = group
        self.ownGroup = ownGroup
    }

    /// Binds and starts serving; `metrics` counts the answers by decision source.
    public static func start(configuration: SocketmapConfiguration, resolver: any PolicyResolving, logger: Logger,
                             metrics: SocketmapMetrics? = nil,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> SocketmapServer {
        let responder = SocketmapResponder(mapNames: configuration.mapNames, resolver: resolver,
                                           postfixVersion: configuration.postfixVersion, logger: logger, metrics: metrics)
        let connections = ConnectionRegistry()
        let limits = SocketmapConnectionLimits(maxRequestBytes: configuration.maxRequestBytes,
                                               maxInFlight: configuration.maxPipelined,
                                               requestTimeout: configuration.requestTimeout,
                                               idleTimeout: configuration.idleTimeout)
        let ownGroup = configuration.threads.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) }
        let group = ownGroup ?? group
        let memos = ReplyMemos(group: group)
        let sendBuffer = configuration.sendBufferBytes
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.insert(channel) else {
                        throw ChannelError.ioOnClosedChannel  // the server is stopping
                    }
                    channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                    if let size = sendBuffer {
                        try channel.syncOptions?.setOption(.socketOption(.so_sndbuf), value: SocketOptionValue(size))
                    }
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(SocketmapHandler(responder: responder, limits: limits,
                                                         memo: memos.memo(for: channel.eventLoop)))
                }
            }
        let channel: any Channel
        do {
            switch configuration.listen {
            case .tcp(let host, let port):
                channel = try await bootstrap.bind(host: host, port: port).get()
            case .unix(let path):
                channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            }
        } catch {
            try? await ownGroup?.shutdownGracefully()
            throw error
        }
        logger.info("socketmap listening", metadata: ["address": "\(configuration.listen)", "bound": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return SocketmapServer(serverChannel: channel, connections: connections, logger: logger, group: group,
                               ownGroup: ownGroup)
    }

    /// The bound address (useful with port 0).
    public var localAddress: SocketAddress? { serverChannel.localAddress }

    /// The bound TCP port, if any.
    public var port: Int? { serverChannel.localAddress?.port }

    /// Open connections right now.
    public var connectionCount: Int { connections.count }

    /// Bytes the server has written to its connections that the clients have not taken yet (kernel socket
    /// buffers aside), summed over the open connections.
    public func bufferedOutboundBytes() async -> Int {
        var total = 0
        for channel in connections.all() {
            total += (try? await channel.getOption(.bufferedWritableBytes).get()) ?? 0
        }
        return total
    }

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
        let number = await TerminationSignal.wait()
        logger.info("socketmap received a signal", metadata: ["signal": "\(number)"])
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

    func all() -> [any Channel] { lock.withLock { Array(channels.values) } }

    /// Refuses further connections and returns the open ones.
    func closeRegistry() -> [any Channel] {
        lock.withLock {
            closed = true
            return Array(channels.values)
        }
    }
}
