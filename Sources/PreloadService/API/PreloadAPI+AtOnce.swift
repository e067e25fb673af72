import NIOHTTP1

/// The hot path: answers that need no waiting, made on the event loop that read the request, without a
/// task, an actor hop, a ``ServiceRequest`` or a route table walk. Everything else (and every miss here)
/// takes ``PreloadAPI/handle(_:)``, which gives the same answer the slow way.
extension PreloadAPI {
    /// `/api/v1/domains/` as bytes.
    static let statusPrefix = Array("/api/v1/domains/".utf8)
    /// The status route's template (the metrics label).
    static let statusRoute = "/api/v1/domains/{domain}"

    /// The answer to `GET`/`HEAD` of a domain's status kept in the status cache (after the client's read
    /// rate limit), or of a published file already read and unchanged since; `nil` for anything else.
    public func answerAtOnce(_ head: HTTPRequestHead, peer: String) -> ServiceResponse? {
        guard head.method == .GET || head.method == .HEAD else { return nil }
        let started = ContinuousClock.now
        let uri = head.uri
        let label: String
        let response: ServiceResponse
        if uri.utf8.starts(with: Self.statusPrefix) {
            // /api/v1/domains/{domain} without a query and without percent-encoding: the cache key is the
            // segment as given, the text the slow path keys its answer by.
            let segment = uri.utf8.dropFirst(Self.statusPrefix.count)
            guard !segment.isEmpty,
                  !segment.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "%") })
            else { return nil }
            let clock = configuration.clock
            guard let cached = statusCache.get(StatusKey(domain: String(Substring(segment)), validations: Self.defaultValidations),
                                               now: clock.now().secondsSince1970)
            else { return nil }
            let client = clientAddress(peer: peer, headers: head.headers)
            do {
                try limit(readLimiter, client, "requests from this address")
                response = cached
            } catch let problem as Problem {
                response = problem.response
            } catch {
                return nil
            }
            label = Self.statusRoute
        } else if let answer = files.respondFromMemory(path: uri, headers: head.headers) {
            label = uri  // the route template of a file is its path
            response = answer
        } else {
            return nil
        }
        record(route: label, method: head.method, status: response.status.code, started: started,
               client: clientAddress(peer: peer, headers: head.headers))
        return response
    }
}
