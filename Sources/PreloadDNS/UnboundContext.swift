import PreloadCore
import CUnbound
import Foundation

/// The one owner of a libunbound context (`ub_ctx`). Every libunbound call after set-up happens on its
/// dedicated pump thread, which submits queries with `ub_resolve_async`, waits on `ub_fd` with `poll`, and
/// cancels queries whose deadline passes, so that a query never outlives its deadline.
final class UnboundContext: Sendable {
    private let pump: UnboundPump

    init(_ configuration: DNSResolver.Configuration) throws(DNSResolverError) {
        guard let ctx = ub_ctx_create() else {
            throw DNSResolverError(operation: "ub_ctx_create", message: "could not create a resolver context")
        }
        var validated = false
        do {
            try Self.configure(ctx, configuration, validated: &validated)
            pump = try UnboundPump(ctx: ctx, validated: validated)
        } catch {
            ub_ctx_delete(ctx)
            throw error
        }
    }

    deinit { pump.stop() }

    /// Resolves one name and type, returning by `timeout` seconds at the latest.
    func resolve(name: String, type: DNSRecordType, timeout: Double) async -> RawAnswer {
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, timeout) * 1000))
        return await withCheckedContinuation { continuation in
            pump.enqueue(UnboundQuery(name: name, type: type, deadline: deadline, continuation: continuation))
        }
    }

    private static func configure(
        _ ctx: OpaquePointer, _ configuration: DNSResolver.Configuration, validated: inout Bool
    ) throws(DNSResolverError) {
        try check("ub_ctx_async", ub_ctx_async(ctx, 1))  // a background thread, never a forked process
        // A test bed or a local stub (127.0.0.53) may be the upstream.
        try check("do-not-query-localhost", ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"))
        switch configuration.upstream {
        case .resolvConf(let path):
            try check("read \(path)", ub_ctx_resolvconf(ctx, path))
        case .forwarder(let server):
            try check("forwarder \(server)", ub_ctx_set_fwd(ctx, server))
        }
        for zone in configuration.testZones {
            let name = zone.hasSuffix(".") ? zone : zone + "."
            try check("local-zone \(name)", ub_ctx_set_option(ctx, "local-zone:", "\(name) transparent"))
            try check("domain-insecure \(name)", ub_ctx_set_option(ctx, "domain-insecure:", name))
        }
        let anchor: String? =
            switch configuration.trustAnchor {
            case .none: nil
            case .file(let path): path
            case .automatic:
                FileManager.default.isReadableFile(atPath: "/usr/share/dns/root.key") ? "/usr/share/dns/root.key" : nil
            }
        if let anchor {
            guard FileManager.default.isReadableFile(atPath: anchor) else {
                throw DNSResolverError(operation: "trust anchor \(anchor)", message: "the file cannot be read")
            }
            try check("trust anchor \(anchor)", ub_ctx_add_ta_file(ctx, anchor))
            validated = true
        }
    }

    /// The error-translation point for libunbound: `ub_strerror` of a non-zero result.
    static func check(_ operation: String, _ code: Int32) throws(DNSResolverError) {
        guard code != 0 else { return }
        throw DNSResolverError(operation: operation, message: message(code))
    }

    static func message(_ code: Int32) -> String {
        ub_strerror(code).map { String(cString: $0) } ?? "libunbound error \(code)"
    }
}

/// One query in flight. Created by a caller, then touched only by the pump thread.
final class UnboundQuery: @unchecked Sendable {  // handed once from the caller to the pump thread
    let name: String
    let type: DNSRecordType
    let deadline: ContinuousClock.Instant
    private var continuation: CheckedContinuation<RawAnswer, Never>?
    var asyncID: Int32 = 0
    /// The pump running the query; it outlives every query in flight (its thread holds it).
    weak var pump: UnboundPump?

    init(name: String, type: DNSRecordType, deadline: ContinuousClock.Instant,
         continuation: CheckedContinuation<RawAnswer, Never>) {
        self.name = name
        self.type = type
        self.deadline = deadline
        self.continuation = continuation
    }

    var isFinished: Bool { continuation == nil }

    func finish(_ answer: RawAnswer) {
        continuation?.resume(returning: answer)
        continuation = nil
    }
}

/// The pump thread and the queue feeding it.
final class UnboundPump: @unchecked Sendable {  // `queue`/`stopping` under `lock`; the rest pump-thread only
    private let ctx: OpaquePointer
    private let validated: Bool
    private let lock = NSLock()
    private var queue: [UnboundQuery] = []
    private var stopping = false
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private var inflight: [Int32: UnboundQuery] = [:]

    init(ctx: OpaquePointer, validated: Bool) throws(DNSResolverError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw DNSResolverError(operation: "pipe", message: String(cString: strerror(errno)))
        }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        self.ctx = ctx
        self.validated = validated
        let thread = Thread { [self] in run() }
        thread.name = "preload.dns"
        thread.start()
    }

    func enqueue(_ query: UnboundQuery) {
        lock.lock()
        let closed = stopping
        if !closed { queue.append(query) }
        lock.unlock()
        if closed {
            query.finish(RawAnswer(failure: "the resolver is closed"))
        } else {
            wake()
        }
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() {
        let ubFD = ub_fd(ctx)
        var done = false
        while !done {
            let now = ContinuousClock.now
            var waitMS: Int32 = -1
            if let next = inflight.values.map(\.deadline).min() {
                let ms = (next - now).components
                let total = ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000 + 1
                waitMS = Int32(clamping: max(0, total))
            }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: ubFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, waitMS)
            if ready > 0, fds[0].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 256)
                while read(wakeRead, &sink, sink.count) > 0 {}
                lock.lock()
                let submitted = queue
                queue.removeAll()
                done = stopping
                lock.unlock()
                for query in submitted { submit(query) }
            }
            if ready > 0, fds[1].revents != 0 {
                _ = ub_process(ctx)  // runs `unboundCallback` for every finished query
            }
            let later = ContinuousClock.now
            for (id, query) in inflight where query.deadline <= later {
                _ = ub_cancel(ctx, id)  // its callback will not be called
                inflight[id] = nil
                query.finish(RawAnswer(timeout: ()))
            }
        }
        for (id, query) in inflight {
            _ = ub_cancel(ctx, id)
            query.finish(RawAnswer(failure: "the resolver is closed"))
        }
        inflight.removeAll()
        ub_ctx_delete(ctx)
        close(wakeRead)
        close(wakeWrite)
    }

    private func submit(_ query: UnboundQuery) {
        query.pump = self
        var id: Int32 = 0
        let code = ub_resolve_async(
            ctx, query.name, Int32(query.type.rawValue), 1, Unmanaged.passUnretained(query).toOpaque(),
            unboundCallback, &id)
        guard code == 0 else {
            query.finish(RawAnswer(failure: UnboundContext.message(code)))
            return
        }
        query.asyncID = id
        if !query.isFinished { inflight[id] = query }  // the table keeps the query alive until its callback
    }

    /// Called from `unboundCallback` (pump thread, inside `ub_process`).
    fileprivate func completed(_ query: UnboundQuery, error: Int32, result: UnsafeMutablePointer<ub_result>?) {
        let answer: RawAnswer
        if error != 0 {
            answer = RawAnswer(failure: UnboundContext.message(error))
        } else if let result {
            answer = RawAnswer(result: result.pointee, validated: validated)
        } else {
            answer = RawAnswer(failure: "libunbound returned no result")
        }
        if let result { ub_resolve_free(result) }
        inflight[query.asyncID] = nil
        query.finish(answer)
    }
}

/// libunbound's completion callback, called on the pump thread from `ub_process`; `mydata` is the query,
/// kept alive by the pump's in-flight table.
private let unboundCallback: ub_callback_type = { mydata, error, result in
    guard let mydata else {
        if let result { ub_resolve_free(result) }
        return
    }
    let query = Unmanaged<UnboundQuery>.fromOpaque(mydata).takeUnretainedValue()
    guard let pump = query.pump else {
        if let result { ub_resolve_free(result) }
        return
    }
    pump.completed(query, error: error, result: result)
}
