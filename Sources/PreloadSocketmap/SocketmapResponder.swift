import Logging
import NIOCore
import PreloadClient
import PreloadCore

/// Turns socketmap request payloads into reply payloads: checks the map name, normalises the key, asks the
/// resolver, renders the Postfix value. Shared by every connection of a server.
public struct SocketmapResponder: Sendable {
    /// Map names answered; a request for another name gets `PERM`.
    public let mapNames: Set<String>
    /// Decides policies.
    public let resolver: any PolicyResolving
    /// Which attributes the `OK` values may carry.
    public let postfixVersion: PostfixVersion
    /// Each decision is logged at debug level.
    public let logger: Logger
    /// Counts answers by decision source, when the program collects metrics.
    public let metrics: SocketmapMetrics?
    private let mapNameBytes: [[UInt8]]

    /// A responder.
    public init(mapNames: Set<String> = ["postfix"], resolver: any PolicyResolving,
                postfixVersion: PostfixVersion = .baseline, logger: Logger, metrics: SocketmapMetrics? = nil) {
        self.mapNames = mapNames
        self.mapNameBytes = mapNames.map { Array($0.utf8) }
        self.resolver = resolver
        self.postfixVersion = postfixVersion
        self.logger = logger
        self.metrics = metrics
    }

    /// What a request needs: an answer known at once, or a resolution.
    public enum Step: Sendable, Hashable {
        /// The reply is known without a lookup.
        case immediate(PostfixLookupAnswer)
        /// The key names a domain whose policy must be resolved.
        case resolve(DomainName)
    }

    /// The first step for `payload`, without suspending: the reply for malformed requests, unknown map
    /// names and keys without a policy, the reply from memory when the resolver can decide at once, and
    /// otherwise the domain to resolve with ``resolve(_:)``.
    public func prepare(_ payload: ByteBuffer) -> Step {
        payload.withUnsafeReadableBytes { prepare($0) }
    }

    /// ``prepare(_:)`` over the payload's bytes.
    func prepare(_ payload: UnsafeRawBufferPointer) -> Step { prepareReusable(payload).step }

    /// The first step, and for an answer that the resolver made from memory, its source: such an answer may
    /// be reused for the same payload in the same ``DecisionEpoch`` (see ``ReplyMemo``).
    func prepareReusable(_ payload: UnsafeRawBufferPointer) -> (step: Step, reusable: SocketmapMetrics.Source?) {
        guard let (name, key) = SocketmapRequest.split(payload) else {
            logger.debug("socketmap: malformed request", metadata: [
                "request": "\(Self.printable(String(decoding: payload, as: UTF8.self), limit: 100))",
            ])
            metrics?.malformed.increment()
            return (.immediate(.permanentFailure("malformed request: expected NAME KEY")), nil)
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: payload[name])
        guard mapNameBytes.contains(where: { $0.elementsEqual(nameBytes) }) else {
            logger.debug("socketmap: unknown map name", metadata: [
                "map": "\(Self.printable(String(decoding: nameBytes, as: UTF8.self), limit: 100))",
            ])
            metrics?.malformed.increment()
            return (.immediate(.permanentFailure("unknown map name")), nil)
        }
        let keyBytes = UnsafeRawBufferPointer(rebasing: payload[key])
        switch SocketmapKey(normalizing: keyBytes) {
        case .domain(let domain):
            if let decision = resolver.resolveImmediately(domain) {
                return (.immediate(answer(for: decision)), Self.source(of: decision))
            }
            return (.resolve(domain), nil)
        case .noPolicy(let reason):
            logger.debug("socketmap decision", metadata: [
                "key": "\(Self.printable(String(decoding: keyBytes, as: UTF8.self), limit: 300))", "answer": "NOTFOUND",
                "why": "\(reason)",
            ])
            metrics?.count(.none)
            return (.immediate(.notFound), nil)
        }
    }

    /// The epoch in which answers may be reused, when they may: never while decisions are logged (each is
    /// logged as it is made), and only when the resolver can tell.
    func reuseEpoch() -> DecisionEpoch? {
        guard logger.logLevel > .debug else { return nil }
        return resolver.decisionEpoch()
    }

    /// Counts an answer reused from a ``ReplyMemo`` as making it again would have.
    func countReused(_ source: SocketmapMetrics.Source) {
        metrics?.count(source)
        resolver.noteReusedDecision()
    }

    /// Resolves `domain` and renders the answer, logging the decision at debug level.
    public func resolve(_ domain: DomainName) async -> PostfixLookupAnswer {
        answer(for: await resolver.resolve(domain))
    }

    /// Renders a decision, counts it and logs it at debug level.
    private func answer(for decision: TLSPolicyDecision) -> PostfixLookupAnswer {
        let answer = PostfixMap.answer(for: decision, version: postfixVersion)
        metrics?.count(Self.source(of: decision))
        logger.debug("socketmap decision", metadata: [
            "domain": "\(decision.domain.value)", "source": "\(decision.source.rawValue)", "mode": "\(decision.mode.rawValue)",
            "answer": "\(Self.kind(answer))", "note": "\(decision.note)",
        ])
        return answer
    }

    /// The metrics' source of a decision.
    static func source(of decision: TLSPolicyDecision) -> SocketmapMetrics.Source {
        if decision.temporaryFailure != nil { return .temp }
        switch decision.source {
        case .dane: return .dane
        case .mtaSTS: return .mtaSTS
        case .preload: return .list
        case .none: return .none
        }
    }

    /// The reply payload of an answer: `OK value`, `NOTFOUND `, `TEMP reason`, `PERM reason`.
    public static func replyPayload(_ answer: PostfixLookupAnswer) -> String {
        switch answer {
        case .found(let value): "OK " + value
        case .notFound: "NOTFOUND "
        case .temporaryFailure(let reason): "TEMP " + printable(reason, limit: 500)
        case .permanentFailure(let reason): "PERM " + printable(reason, limit: 500)
        }
    }

    /// Writes the reply netstring of `answer` (``replyPayload(_:)`` framed) to `buffer`.
    static func writeReply(_ answer: PostfixLookupAnswer, into buffer: inout ByteBuffer) {
        switch answer {
        case .found(let value): writeNetstring(kind: "OK ", value, into: &buffer)
        case .notFound: buffer.writeStaticString("9:NOTFOUND ,")
        case .temporaryFailure(let reason): writeNetstring(kind: "TEMP ", printable(reason, limit: 500), into: &buffer)
        case .permanentFailure(let reason): writeNetstring(kind: "PERM ", printable(reason, limit: 500), into: &buffer)
        }
    }

    private static func writeNetstring(kind: StaticString, _ text: String, into buffer: inout ByteBuffer) {
        buffer.writeString(String(kind.utf8CodeUnitCount + text.utf8.count))
        buffer.writeInteger(UInt8(ascii: ":"))
        buffer.writeStaticString(kind)
        buffer.writeString(text)
        buffer.writeInteger(UInt8(ascii: ","))
    }

    static func kind(_ answer: PostfixLookupAnswer) -> String {
        switch answer {
        case .found: "OK"
        case .notFound: "NOTFOUND"
        case .temporaryFailure: "TEMP"
        case .permanentFailure: "PERM"
        }
    }

    /// Printable ASCII only, at most `limit` characters: replies and logs never carry control bytes.
    static func printable(_ text: String, limit: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit).map {
            ($0.value >= 0x20 && $0.value < 0x7F) ? $0 : "?"
        }))
    }
}
