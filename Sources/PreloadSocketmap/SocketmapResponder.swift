import Logging
import NIOCore
import PreloadClient
import PreloadCore

/// Turns socketmap request payloads into reply payloads: checks the map name, normalises the key, asks the
/// resolver, renders the Postfix value. Shared by every connection of a server.
public struct SocketmapResponder: Sendable {
    /// Map names answered; a request for another name gets `PERM`.
    public var mapNames: Set<String>
    /// Decides policies.
    public var resolver: any PolicyResolving
    /// Which attributes the `OK` values may carry.
    public var postfixVersion: PostfixVersion
    /// Each decision is logged at debug level.
    public var logger: Logger

    /// A responder.
    public init(mapNames: Set<String> = ["postfix"], resolver: any PolicyResolving,
                postfixVersion: PostfixVersion = .baseline, logger: Logger) {
        self.mapNames = mapNames
        self.resolver = resolver
        self.postfixVersion = postfixVersion
        self.logger = logger
    }

    /// What a request needs: an answer known at once, or a resolution.
    public enum Step: Sendable, Hashable {
        /// The reply is known without a lookup.
        case immediate(PostfixLookupAnswer)
        /// The key names a domain whose policy must be resolved.
        case resolve(DomainName)
    }

    /// The first step for `payload`, without suspending.
    public func prepare(_ payload: ByteBuffer) -> Step {
        let text = String(decoding: payload.readableBytesView, as: UTF8.self)
        guard let request = SocketmapRequest(payload: text) else {
            logger.debug("socketmap: malformed request", metadata: ["request": "\(Self.printable(text, limit: 100))"])
            return .immediate(.permanentFailure("malformed request: expected NAME KEY"))
        }
        guard mapNames.contains(request.mapName) else {
            logger.debug("socketmap: unknown map name", metadata: ["map": "\(Self.printable(request.mapName, limit: 100))"])
            return .immediate(.permanentFailure("unknown map name"))
        }
        switch request.key {
        case .domain(let domain):
            return .resolve(domain)
        case .noPolicy(let reason):
            logger.debug("socketmap decision", metadata: [
                "key": "\(Self.printable(request.rawKey, limit: 300))", "answer": "NOTFOUND", "why": "\(reason)",
            ])
            return .immediate(.notFound)
        }
    }

    /// Resolves `domain` and renders the answer, logging the decision at debug level.
    public func resolve(_ domain: DomainName) async -> PostfixLookupAnswer {
        let decision = await resolver.resolve(domain)
        let answer = PostfixMap.answer(for: decision, version: postfixVersion)
        logger.debug("socketmap decision", metadata: [
            "domain": "\(domain.value)", "source": "\(decision.source.rawValue)", "mode": "\(decision.mode.rawValue)",
            "answer": "\(Self.kind(answer))", "note": "\(decision.note)",
        ])
        return answer
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
