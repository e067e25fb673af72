import CoreMetrics
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PreloadClient
import Prometheus

/// A swift-metrics factory over a Prometheus registry (swift-prometheus) that gives every metric its
/// `# HELP` line and the buckets of the project's histograms. Metrics are made with explicit factories, never
/// through the process-wide `MetricsSystem`, so that several servers (and tests) can run side by side.
public struct PreloadPrometheusFactory: MetricsFactory {
    /// Where the metrics live.
    public let registry: PrometheusCollectorRegistry
    private let help: [String: String]
    private let timerBuckets: [String: [Duration]]

    /// A factory over `registry` with `help` texts and histogram buckets (seconds) by metric name.
    public init(registry: PrometheusCollectorRegistry, help: [String: String], timerBuckets: [String: [Double]] = [:]) {
        self.registry = registry
        self.help = help
        self.timerBuckets = timerBuckets.mapValues { $0.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) } }
    }

    /// The full name is the label (the catalogue's names already follow Prometheus conventions).
    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? "")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate {
            return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions,
                                               buckets: [0.001, 0.01, 0.1, 1, 10, 100])
        }
        return registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = timerBuckets[label] ?? [.milliseconds(5), .milliseconds(50), .milliseconds(500), .seconds(5), .seconds(50)]
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}
}

/// The socketmap daemon's metrics in a Prometheus registry, served over HTTP (`GET /metrics`, text format
/// 0.0.4) by ``start(listen:group:logger:beforeScrape:)``.
public final class PrometheusExporter: Sendable {
    /// The registry the metrics live in.
    public let registry: PrometheusCollectorRegistry
    /// The daemon's metrics.
    public let metrics: SocketmapMetrics

    /// Creates the registry and every metric (counters at 0).
    public init() {
        registry = PrometheusCollectorRegistry()
        let factory = PreloadPrometheusFactory(
            registry: registry, help: SocketmapMetrics.help,
            timerBuckets: [MTASTSMetrics.Name.fetchDuration: MTASTSMetrics.fetchDurationBuckets])
        metrics = SocketmapMetrics(factory: factory)
    }

    /// The exposition text now.
    public func render() -> [UInt8] { registry.emitToBuffer() }

    /// Serves `GET /metrics` (and `HEAD`) on `host:port` until ``MetricsEndpoint/shutdown()``. Before each
    /// scrape, `beforeScrape` sets the gauges that are read rather than counted (list serial, connections).
    public func start(host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                      logger: Logger,
                      beforeScrape: @escaping @Sendable () async -> Void = {}) async throws -> MetricsEndpoint {
        let exporter = self
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: .seconds(60)))
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(MetricsHTTPHandler(exporter: exporter, beforeScrape: beforeScrape))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        logger.info("metrics listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return MetricsEndpoint(channel: channel)
    }
}

/// A running metrics endpoint.
public final class MetricsEndpoint: Sendable {
    private let channel: any Channel

    init(channel: any Channel) { self.channel = channel }

    /// The bound TCP port.
    public var port: Int? { channel.localAddress?.port }

    /// Stops listening (open scrape connections finish on their own).
    public func shutdown() async { try? await channel.close() }
}

/// One HTTP connection of the metrics endpoint: `GET /metrics` and `HEAD /metrics` (the path's query string
/// is ignored); 404 elsewhere, 405 for other methods. Request bodies are discarded.
private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exporter: PrometheusExporter
    private let beforeScrape: @Sendable () async -> Void
    private var request: HTTPRequestHead?

    init(exporter: PrometheusExporter, beforeScrape: @escaping @Sendable () async -> Void) {
        self.exporter = exporter
        self.beforeScrape = beforeScrape
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else {
            send(status: .notFound, body: Array("not found; metrics are at /metrics\n".utf8), head: head, context: context)
            return
        }
        guard head.method == .GET || head.method == .HEAD else {
            send(status: .methodNotAllowed, body: Array("only GET and HEAD\n".utf8), head: head, context: context,
                 extra: [("Allow", "GET, HEAD")])
            return
        }
        let beforeScrape = self.beforeScrape
        let exporter = self.exporter
        context.eventLoop.makeFutureWithTask { () -> [UInt8] in
            await beforeScrape()
            return exporter.render()
        }.assumeIsolated().whenSuccess { body in
            self.send(status: .ok, body: body, head: head, context: context,
                      contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    private func send(status: HTTPResponseStatus, body: [UInt8], head: HTTPRequestHead, context: ChannelHandlerContext,
                      contentType: String = "text/plain; charset=utf-8", extra: [(String, String)] = []) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.count))] + extra)
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                      promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
