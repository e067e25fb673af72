import Foundation
import Logging
import NIOHTTP1
import PreloadChecker
import PreloadCore
import PreloadCuration
import PreloadIDNA

/// The service: API v1, the published list, `/metrics`, `/healthz` and the web page, over one curation
/// state. ``handle(_:)`` answers one request; the HTTP layer is ``HTTPServer``.
public final class PreloadAPI: Sendable {
    public let configuration: ServiceConfiguration
    public let metrics: ServiceMetrics
    let files: PublishedFiles
    let gate: CheckGate
    let preflights: PreflightCache
    let preflightLimiter: RateLimiter
    let submissionLimiter: RateLimiter
    let removalLimiter: RateLimiter
    let writeLimiter: RateLimiter
    let readLimiter: RateLimiter
    let findingsCache = FindingsCache()
    /// Status answers until the state changes (see ``StatusCache`` for the bound on other processes' changes).
    let statusCache = StatusCache()

    public init(_ configuration: ServiceConfiguration, metrics: ServiceMetrics = ServiceMetrics()) {
        self.configuration = configuration
        self.metrics = metrics
        files = PublishedFiles(root: configuration.listRoot)
        gate = CheckGate(limit: configuration.maxChecks, queue: configuration.checkQueue)
        let clock = configuration.clock
        preflights = PreflightCache(maxAge: configuration.preflightMaxAge, now: { clock.now() })
        let limits = configuration.rateLimits
        preflightLimiter = RateLimiter(limits.preflightPerClient)
        submissionLimiter = RateLimiter(limits.submissionsPerDomain)
        removalLimiter = RateLimiter(limits.removalsPerDomain)
        writeLimiter = RateLimiter(limits.writesPerClient)
        readLimiter = RateLimiter(limits.readsPerClient)
        statusCache.watch(configuration.store)
    }

    // MARK: Routing

    /// A route: a path template, its methods, and its handler.
    struct Route: Sendable {
        var template: String
        var methods: [HTTPMethod]
        var handler: @Sendable (PreloadAPI, ServiceRequest, [String]) async throws -> ServiceResponse
        /// The template's segments after the leading `/`; `nil` for a `{parameter}`.
        let segments: [Substring?]

        init(template: String, methods: [HTTPMethod],
             handler: @escaping @Sendable (PreloadAPI, ServiceRequest, [String]) async throws -> ServiceResponse) {
            self.template = template
            self.methods = methods
            self.handler = handler
            segments = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
                .map { $0.hasPrefix("{") ? nil : $0 }
        }
    }

    /// Every route, in match order. `{x}` matches one path segment (percent-decoded for the handler).
    static let routes: [Route] = [
        Route(template: "/healthz", methods: [.GET, .HEAD]) { api, _, _ in await api.health() },
        Route(template: "/metrics", methods: [.GET, .HEAD]) { api, _, _ in await api.metricsPage() },
        Route(template: "/api/v1/preflight/{domain}", methods: [.GET, .HEAD]) { api, r, p in try await api.preflight(r, p[0]) },
        Route(template: "/api/v1/submissions", methods: [.POST]) { api, r, _ in try await api.submit(r) },
        Route(template: "/api/v1/submissions/{domain}/confirm", methods: [.POST]) { api, r, p in
            try await api.confirmSubmission(r, p[0])
        },
        Route(template: "/api/v1/domains/{domain}", methods: [.GET, .HEAD]) { api, r, p in try await api.status(r, p[0]) },
        Route(template: "/api/v1/removals", methods: [.POST]) { api, r, _ in try await api.remove(r) },
        Route(template: "/api/v1/removals/{domain}/confirm", methods: [.POST]) { api, r, p in
            try await api.confirmRemoval(r, p[0])
        },
        Route(template: "/api/v1/events", methods: [.GET, .HEAD]) { api, r, _ in try await api.events(r) },
        Route(template: "/api/v1/contacts", methods: [.POST]) { api, r, _ in try await api.requestContactConfirmation(r) },
        Route(template: "/api/v1/contacts/confirm", methods: [.POST]) { api, r, _ in try await api.confirmContact(r) },
        Route(template: "/list/preload.json", methods: [.GET, .HEAD]) { api, r, _ in api.files.respond(path: r.path, request: r) },
        Route(template: "/list/preload.json.sig", methods: [.GET, .HEAD]) { api, r, _ in api.files.respond(path: r.path, request: r) },
        Route(template: "/list/allowed_signers", methods: [.GET, .HEAD]) { api, r, _ in api.files.respond(path: r.path, request: r) },
    ] + WebPages.routes

    /// The route matching `path`, with its decoded parameters.
    static func match(_ path: String) -> (Route, [String])? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for route in routes {
            guard route.segments.count == segments.count else { continue }
            var params: [String] = []
            var ok = true
            for (part, segment) in zip(route.segments, segments) {
                if let part {
                    guard part == segment else { ok = false; break }
                } else {
                    guard !segment.isEmpty, let decoded = segment.removingPercentEncoding else { ok = false; break }
                    params.append(decoded)
                }
            }
            if ok { return (route, params) }
        }
        return nil
    }

    /// Answers one request (never throws: every failure is a problem document).
    public func handle(_ request: ServiceRequest) async -> ServiceResponse {
        let started = ContinuousClock.now
        var label = "unmatched"
        var response: ServiceResponse
        if let (route, params) = Self.match(request.path) {
            label = route.template
            if !route.methods.contains(request.method) {
                let allow = route.methods.map(\.rawValue).joined(separator: ", ")
                response = Problem(.methodNotAllowed, code: "request.method-not-allowed",
                                   "\(request.method.rawValue) is not allowed on \(route.template); use \(allow).",
                                   headers: [("Allow", allow)]).response
            } else {
                do {
                    response = try await route.handler(self, request, params)
                } catch let problem as Problem {
                    response = problem.response
                } catch {
                    response = Self.problem(for: error).response
                }
            }
        } else {
            response = Problem(.notFound, code: "request.not-found", "There is no resource at \(request.path.prefix(200)).")
                .response
        }
        record(route: label, method: request.method, status: response.status.code, started: started,
               client: clientAddress(request))
        return response
    }

    /// Counts one answered request in the metrics and writes its access-log line: method, route template,
    /// status, client; never a body (contacts stay out of logs).
    func record(route label: String, method: HTTPMethod, status: UInt, started: ContinuousClock.Instant,
                client: @autoclosure () -> String) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.request(route: label, status: status, seconds: seconds)
        configuration.logger.info("request", metadata: [
            "method": "\(method.rawValue)", "route": "\(label)", "status": "\(status)",
            "client": "\(client())", "ms": "\(Int(seconds * 1000))",
        ])
    }

    /// The problem document for an operational failure of the curation services.
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let e as CurationError:
            switch e {
            case .rateLimited(let what, let after):
                let seconds = after.map { max(1, $0.secondsSince1970 - Int64(Date().timeIntervalSince1970)) } ?? 3600
                return Problem(.tooManyRequests, code: "request.rate-limited", "Rate limited: \(what).",
                               headers: [("Retry-After", String(seconds))])
            case .busy(let why):
                return Problem(.serviceUnavailable, code: "service.busy", why, headers: [("Retry-After", "30")])
            case .corrupt, .publishFailed:
                return Problem(.internalServerError, code: "service.internal", "The service's state cannot be read.")
            }
        case let e as LifecycleRefusal:
            return Problem(.conflict, code: "lifecycle.refused", "\(e)")
        default:
            return Problem(.internalServerError, code: "service.internal", "The service failed to answer this request.")
        }
    }

    // MARK: Request helpers

    /// The client's address: the peer, or with a trusted proxy as peer the nearest untrusted address of
    /// `X-Forwarded-For`.
    func clientAddress(_ request: ServiceRequest) -> String {
        clientAddress(peer: request.peer, headers: request.headers)
    }

    func clientAddress(peer: String, headers: HTTPHeaders) -> String {
        guard configuration.trustedProxies.contains(peer) else { return peer }
        let chain = headers[canonicalForm: "X-Forwarded-For"].map { $0.trimmingCharacters(in: .whitespaces) }
        for address in chain.reversed() where !address.isEmpty {
            if !configuration.trustedProxies.contains(address) { return address }
        }
        return peer
    }

    /// Takes a token from `limiter` for `key`, or throws 429 with `Retry-After`.
    func limit(_ limiter: RateLimiter, _ key: String, _ what: String) throws {
        if let wait = limiter.take(key) {
            throw Problem(.tooManyRequests, code: "request.rate-limited",
                          "Too many \(what) (limit \(limiter.limit)); try again in \(Int(wait.rounded(.up))) s.",
                          headers: [("Retry-After", String(max(1, Int(wait.rounded(.up)))))])
        }
    }

    /// A domain from a path or body: U-labels become A-labels; anything else invalid is 422 `domain.invalid`.
    func domain(_ text: String) throws -> DomainName {
        do {
            return try DomainName(normalizing: text, idna: LibIDN2Converter())
        } catch {
            throw Problem(.unprocessableEntity, code: "domain.invalid",
                          "'\(text.prefix(300))' is not a valid domain name: \(error)")
        }
    }

    /// Decodes a JSON body of `T` (400 when it is not JSON of that shape; 415 when not sent as JSON).
    func decode<T: Decodable>(_ type: T.Type, _ request: ServiceRequest) throws -> T {
        guard request.mediaType == "application/json" else {
            // Cross-site forms cannot send application/json without a CORS preflight, which is never granted.
            throw Problem(.unsupportedMediaType, code: "request.unsupported-media-type",
                          "Send the body as application/json.")
        }
        switch RequestBodies.decode(T.self, request.body) {
        case .success(let value): return value
        case .failure(let error):
            throw Problem(.badRequest, code: "request.malformed", "The body is not the JSON this endpoint takes: \(error.why).")
        }
    }

    /// Findings as the API shows them.
    static func findings(_ issues: [Issue]) -> [Finding] {
        issues.map {
            Finding(code: $0.code.rawValue, severity: $0.severity.rawValue, message: $0.message, host: $0.subject,
                    fix: $0.code.entry?.fix)
        }
    }

    // MARK: Health and metrics

    func health() async -> ServiceResponse {
        do {
            _ = try await configuration.store.read { try $0.lastPublication() }
            return .json(["status": "ok"])
        } catch {
            return Problem(.serviceUnavailable, code: "service.state-unavailable", "The curation state cannot be read.")
                .response
        }
    }

    func metricsPage() async -> ServiceResponse {
        if let snapshot = try? await findingsCache.snapshot(configuration.store) {
            metrics.record(domains: snapshot.domains, findings: snapshot.findings, publication: snapshot.publication)
        }
        metrics.checksRunning.record(Double(await gate.active))
        return ServiceResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                                                                  ("Cache-Control", "no-store")]),
                               body: metrics.render())
    }

    // MARK: Preflight

    struct PreflightBody: Codable {
        var domain: String
        var eligible: Bool
        var findings: [Finding]
        var checkedAt: Timestamp
        /// `checked` (by this request), `reused` (a result at most 10 minutes old), `joined` (a check of the
        /// same domain already running).
        var source: String
    }

    /// Runs the checker through the preflight cache and the global gate; `nil` when the gate is full.
    func preflightReport(_ name: DomainName) async -> (DomainReport, PreflightCache.Source)? {
        let checker = configuration.checker
        let gate = self.gate
        return await preflights.report(name) { await gate.run { await checker.check(name) } }
    }

    func preflight(_ request: ServiceRequest, _ domainText: String) async throws -> ServiceResponse {
        let name = try domain(domainText)
        try limit(preflightLimiter, clientAddress(request), "preflight checks from this address")
        guard let (report, source) = await preflightReport(name) else {
            metrics.preflight("refused")
            throw Self.busy
        }
        metrics.preflight(source.rawValue)
        return .json(PreflightBody(domain: name.value, eligible: report.eligible, findings: Self.findings(report.issues),
                                   checkedAt: report.checkedAt, source: source.rawValue))
    }

    static let busy = Problem(.serviceUnavailable, code: "service.busy",
                              "Too many checks are running or waiting; try again shortly.", headers: [("Retry-After", "10")])
}

/// The figures `/metrics` reads from the state, with the last run's findings computed once per run.
actor FindingsCache {
    private var runId: Int64?
    private var findings: [String: Int] = [:]

    struct Snapshot: Sendable {
        var domains: [LifecycleState: Int]
        var findings: [String: Int]
        var publication: PublicationRow?
    }

    func snapshot(_ store: any CurationStore) async throws -> Snapshot {
        let cachedRun = runId
        let (domains, publication, run, fresh) = try await store.read { tx -> ([LifecycleState: Int], PublicationRow?, Int64?, [String: Int]?) in
            let run = try tx.lastCompletedRun()
            var counts: [String: Int]? = nil
            if let id = run?.id, id != cachedRun {
                var c: [String: Int] = [:]
                for record in try tx.records(inStates: nil) {
                    for v in try tx.validations(domain: record.domain, limit: 1) where v.runId == id {
                        for code in v.issueCodes { c[code.rawValue, default: 0] += 1 }
                    }
                }
                counts = c
            }
            return (try tx.domainCounts(), try tx.lastPublication(), run?.id, counts)
        }
        if let fresh {
            findings = fresh
            runId = run
        }
        return Snapshot(domains: domains, findings: findings, publication: publication)
    }
}
