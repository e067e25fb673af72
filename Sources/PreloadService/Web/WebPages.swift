import Foundation
import NIOHTTP1
import PreloadChecker
import PreloadCore
import PreloadCuration

/// The server-rendered pages for domain owners, working without JavaScript: `/` (check a domain),
/// `/check?domain=` (the findings and the submission form), `POST /submit` (the TXT record to publish),
/// `POST /domains/{d}/confirm`, `/domains/{d}` (lifecycle, history, next step) and removal.
///
/// Every form POST must come from the service's own pages: its `Origin` (or, without one, its `Referer`)
/// must be the service's origin (`--public-url`, else the request's `Host`); anything else is 403.
enum WebPages {
    static let routes: [PreloadAPI.Route] = [
        PreloadAPI.Route(template: "/", methods: [.GET, .HEAD]) { api, r, _ in api.homePage(r) },
        PreloadAPI.Route(template: "/check", methods: [.GET, .HEAD]) { api, r, _ in await api.checkPage(r) },
        PreloadAPI.Route(template: "/submit", methods: [.POST]) { api, r, _ in await api.submitPage(r) },
        PreloadAPI.Route(template: "/domains/{domain}", methods: [.GET, .HEAD]) { api, r, p in await api.domainPage(r, p[0]) },
        PreloadAPI.Route(template: "/domains/{domain}/confirm", methods: [.POST]) { api, r, p in await api.confirmPage(r, p[0]) },
        PreloadAPI.Route(template: "/domains/{domain}/remove", methods: [.POST]) { api, r, p in await api.removePage(r, p[0], confirming: false) },
        PreloadAPI.Route(template: "/domains/{domain}/remove/confirm", methods: [.POST]) { api, r, p in
            await api.removePage(r, p[0], confirming: true)
        },
        PreloadAPI.Route(template: "/contacts", methods: [.POST]) { api, r, _ in await api.contactRequestPage(r) },
        // The link in the confirmation mail: GET shows a form (a GET never changes state, and mail scanners
        // follow links), whose POST confirms.
        PreloadAPI.Route(template: "/contacts/confirm", methods: [.GET, .HEAD, .POST]) { api, r, _ in
            await api.contactConfirmPage(r)
        },
    ]

    /// HTML-escapes text for element content and attribute values.
    static func h(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Percent-encodes a path segment.
    static func u(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    static let css = """
        body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0}
        header,main,footer{max-width:46rem;margin:0 auto;padding:0 1rem}
        header{border-bottom:2px solid #1a4d8f}header a{color:#1a1a1a;text-decoration:none;font-weight:700}
        h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}a{color:#0b4f9c}
        label{display:block;font-weight:600;margin-top:.8rem}
        input,select{font:inherit;padding:.4rem;border:1px solid #555;border-radius:3px;max-width:100%}
        input[type=text],input[type=email]{width:22rem}
        button{font:inherit;margin-top:1rem;padding:.45rem 1rem;background:#1a4d8f;color:#fff;border:0;border-radius:3px;cursor:pointer}
        button:focus,input:focus,select:focus,a:focus{outline:3px solid #f2a900;outline-offset:2px}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #ccc}
        .error{color:#a00000;font-weight:700}.warning{color:#7a4b00;font-weight:700}.info{color:#1a4d8f}
        .ok{color:#0a6b2b;font-weight:700}.bad{color:#a00000;font-weight:700}
        pre,code{font-family:ui-monospace,monospace;background:#f1f1f1;padding:.1rem .3rem;overflow-x:auto}
        .visually-hidden{position:absolute;left:-9999px}pre{padding:.6rem}.notice{border-left:4px solid #1a4d8f;padding:.3rem .8rem;background:#eef3fa}
        """

    /// The whole page.
    static func page(_ title: String, _ body: String, status: HTTPResponseStatus = .ok) -> ServiceResponse {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <title>\(h(title)) — preload</title><style>\(css)</style></head>
            <body><header><p><a href="/">preload — mail domains that require authenticated TLS</a></p></header>
            <main id="main"><h1>\(h(title))</h1>
            \(body)
            </main><footer><p><small>API: <a href="/api/v1/domains/example.org">/api/v1</a> · list: <a href="/list/preload.json">preload.json</a></small></p></footer></body></html>
            """
        var headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                                   ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
                                   ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")])
        headers.add(name: "X-Frame-Options", value: "DENY")
        return ServiceResponse(status: status, headers: headers, body: Array(html.utf8))
    }

    static func checkForm(_ value: String = "") -> String {
        """
        <form method="get" action="/check">
        <label for="domain">Mail domain</label>
        <input type="text" id="domain" name="domain" value="\(h(value))" required autocomplete="off" spellcheck="false" placeholder="example.org">
        <button type="submit">Check</button>
        </form>
        """
    }

    static func findingsTable(_ issues: [Issue]) -> String {
        guard !issues.isEmpty else { return "<p>No findings.</p>" }
        let rows = issues.sorted { ($1.severity, $0.code) < ($0.severity, $1.code) }.map { i in
            "<tr><td class=\"\(i.severity.rawValue)\">\(i.severity.rawValue)</td><td><code>\(h(i.code.rawValue))</code>"
                + (i.subject.map { "<br><small>\(h($0))</small>" } ?? "")
                + "</td><td>\(h(i.message))" + (i.code.entry.map { "<br><small>How to fix: \(h($0.fix))</small>" } ?? "")
                + "</td></tr>"
        }
        return "<table><caption class=\"visually-hidden\">Findings</caption><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Code</th><th scope=\"col\">Finding</th></tr></thead><tbody>"
            + rows.joined() + "</tbody></table>"
    }

    static func problemPage(_ problem: Problem) -> ServiceResponse {
        var r = page(problem.title, "<p class=\"bad\" role=\"alert\">\(h(problem.detail))</p>"
                     + (problem.findings.map { f in
                         findingsTable(f.map { Issue(IssueCode(rawValue: $0.code), Severity(rawValue: $0.severity) ?? .error,
                                                    subject: $0.host, $0.message) })
                     } ?? "") + "<p><a href=\"/\">Back to the start</a></p>",
                     status: HTTPResponseStatus(statusCode: problem.status))
        for (k, v) in problem.headers { r.headers.replaceOrAdd(name: k, value: v) }
        return r
    }
}

extension PreloadAPI {
    /// Runs a page handler, turning problems into error pages.
    func webPage(_ body: () async throws -> ServiceResponse) async -> ServiceResponse {
        do { return try await body() } catch let problem as Problem {
            return WebPages.problemPage(problem)
        } catch {
            return WebPages.problemPage(Self.problem(for: error))
        }
    }

    /// The service's own origin: `--public-url`'s, else `http(s)://Host`.
    func ownOrigins(_ request: ServiceRequest) -> [String] {
        if let url = configuration.publicURL, let u = URL(string: url), let scheme = u.scheme, let host = u.host {
            return ["\(scheme)://\(host)" + (u.port.map { ":\($0)" } ?? "")]
        }
        guard let host = request.headers.first(name: "Host") else { return [] }
        return ["http://\(host)", "https://\(host)"]
    }

    /// Refuses a form POST that does not come from the service's own pages (cross-site request forgery).
    func requireSameOrigin(_ request: ServiceRequest) throws {
        let origins = ownOrigins(request)
        if let origin = request.headers.first(name: "Origin") {
            guard origins.contains(origin) else {
                throw Problem(.forbidden, code: "request.cross-site", "This form can only be sent from this service's own pages.")
            }
            return
        }
        if let referer = request.headers.first(name: "Referer"),
           origins.contains(where: { referer == $0 || referer.hasPrefix($0 + "/") }) {
            return
        }
        throw Problem(.forbidden, code: "request.cross-site",
                      "This form can only be sent from this service's own pages (no Origin or Referer of this service).")
    }

    func homePage(_ request: ServiceRequest) -> ServiceResponse {
        WebPages.page("Preload your mail domain", """
            <p>Mail servers that use this list only deliver to listed domains over TLS with a valid certificate, \
            so mail to your domain can no longer be downgraded to plain text. First check that every MX host of \
            your domain is ready; then submit it and prove that you control it with a DNS record.</p>
            \(WebPages.checkForm())
            <h2>Already submitted?</h2>
            <form method="get" action="/check"><input type="hidden" name="status" value="1">
            <label for="status-domain">See a domain's status</label>
            <input type="text" id="status-domain" name="domain" required spellcheck="false">
            <button type="submit">Show status</button></form>
            """)
    }

    func checkPage(_ request: ServiceRequest) async -> ServiceResponse {
        await webPage {
            let text = (request.query["domain"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return WebPages.page("Check a domain", WebPages.checkForm()) }
            let name = try domain(text)
            if request.query["status"] != nil {
                var r = ServiceResponse(status: .seeOther)
                r.headers.add(name: "Location", value: "/domains/\(WebPages.u(name.value))")
                return r
            }
            try limit(preflightLimiter, clientAddress(request), "checks from this address")
            guard let (report, source) = await preflightReport(name) else { throw Self.busy }
            metrics.preflight(source.rawValue)
            let d = WebPages.h(name.value)
            var body = "<p>" + (report.eligible ? "<span class=\"ok\">\(d) is eligible.</span>"
                                                 : "<span class=\"bad\">\(d) is not eligible yet.</span> Fix the errors below, then check again.")
                + " <small>Checked \(report.checkedAt.rfc3339)\(source == .reused ? " (a result of the last 10 minutes)" : "").</small></p>"
            body += "<h2>Findings</h2>" + WebPages.findingsTable(report.issues)
            if report.eligible {
                body += """
                    <h2>Submit \(d)</h2>
                    <form method="post" action="/submit">
                    <input type="hidden" name="domain" value="\(d)">
                    <label for="contact">Contact address</label>
                    <input type="email" id="contact" name="contact" required autocomplete="email" aria-describedby="contact-help">
                    <p id="contact-help"><small>We write to it about every step of your domain's lifecycle. It is never published.</small></p>
                    <label for="mode">Mode</label>
                    <select id="mode" name="mode"><option value="enforce" selected>enforce</option><option value="testing">testing (report only)</option></select>
                    <button type="submit">Submit</button>
                    </form>
                    """
            }
            body += "<h2>Check another domain</h2>" + WebPages.checkForm()
            return WebPages.page("Check of \(name.value)", body)
        }
    }

    func challengeSection(_ name: DomainName, record: String, value: String, expires: Timestamp, action: String, button: String) -> String {
        """
        <p>Prove that you control \(WebPages.h(name.value)): publish this DNS record,</p>
        <pre id="challenge-record">\(WebPages.h(record)) TXT "\(WebPages.h(value))"</pre>
        <p>then confirm before \(expires.rfc3339).</p>
        <form method="post" action="\(action)"><button type="submit">\(button)</button></form>
        """
    }

    func submitPage(_ request: ServiceRequest) async -> ServiceResponse {
        await webPage {
            try requireSameOrigin(request)
            let fields = request.formFields
            let name = try domain(fields["domain"] ?? "")
            let submission = try submitRequest(domain: name, contact: fields["contact"] ?? "", mode: fields["mode"], mx: [])
            try limit(writeLimiter, clientAddress(request), "submissions and removals from this address")
            try limit(submissionLimiter, name.value, "submissions of \(name.value)")
            let outcome = try await runSubmission(submission)
            switch outcome {
            case .challengeIssued(let c, _, _, _), .awaitingChallenge(let c, _, _, _):
                metrics.submission(c.created == configuration.clock.now() ? "challenge-issued" : "awaiting-challenge")
                return WebPages.page("Prove control of \(name.value)",
                                     "<p class=\"notice\">\(WebPages.h(name.value)) is queued (pending verification).</p>"
                                     + WebPages.contactNotice(fields["contact"] ?? "")
                                     + challengeSection(name, record: Challenge.recordName(for: name), value: c.recordValue,
                                                        expires: c.expires, action: "/domains/\(WebPages.u(name.value))/confirm",
                                                        button: "Confirm"))
            default:
                _ = try await submissionResponse(outcome, domain: name)  // counts; throws the problem pages
                var r = ServiceResponse(status: .seeOther)
                r.headers.add(name: "Location", value: "/domains/\(WebPages.u(name.value))")
                return r
            }
        }
    }

    func confirmPage(_ request: ServiceRequest, _ text: String) async -> ServiceResponse {
        await webPage {
            try requireSameOrigin(request)
            let name = try domain(text)
            _ = try await confirmSubmission(request, name.value)
            var r = ServiceResponse(status: .seeOther)
            r.headers.add(name: "Location", value: "/domains/\(WebPages.u(name.value))")
            return r
        }
    }

    func removePage(_ request: ServiceRequest, _ text: String, confirming: Bool) async -> ServiceResponse {
        await webPage {
            try requireSameOrigin(request)
            let name = try domain(text)
            let answer = try await removal(request, name, confirming: confirming)
            if answer.status == .accepted,
               let body = try? JSONDecoder().decode(PendingBody.self, from: Data(answer.body)) {
                return WebPages.page("Remove \(name.value)",
                                     challengeSection(name, record: body.challenge.name, value: body.challenge.value,
                                                      expires: body.expiresAt,
                                                      action: "/domains/\(WebPages.u(name.value))/remove/confirm",
                                                      button: "Confirm removal"))
            }
            var r = ServiceResponse(status: .seeOther)
            r.headers.add(name: "Location", value: "/domains/\(WebPages.u(name.value))")
            return r
        }
    }

    func domainPage(_ request: ServiceRequest, _ text: String) async -> ServiceResponse {
        await webPage {
            let name = try domain(text)
            try limit(readLimiter, clientAddress(request), "requests from this address")
            let s = try await StatusService(store: configuration.store, clock: configuration.clock, policy: configuration.policy)
                .status(of: name, validations: 10, expiring: false)
            let d = WebPages.h(name.value)
            guard s.state != "unknown", let since = s.since else {
                return WebPages.page("\(name.value)", "<p>\(d) was never submitted (state <strong id=\"state\">unknown</strong>).</p>"
                                     + "<h2>Check it</h2>" + WebPages.checkForm(name.value))
            }
            var body = "<p>State: <strong id=\"state\">\(WebPages.h(s.state))</strong> since \(since.rfc3339)"
                + (s.reason.map { " (\(WebPages.h($0))" + ((s.detail ?? "").isEmpty ? "" : ": \(WebPages.h(WebPages.withoutContacts(s.detail!)))") + ")" } ?? "")
                + ".</p>"
            if let next = s.next { body += "<p><strong>Next:</strong> \(WebPages.h(next.sentence)).</p>" }
            if let mode = s.mode, let patterns = s.patterns {
                body += "<p>Entry: mode \(mode.rawValue), MX patterns <code>\(WebPages.h(patterns.map(\.description).joined(separator: " ")))</code>.</p>"
            }
            if let c = s.challenge {
                body += "<h2>Open challenge (\(WebPages.h(c.purpose)))</h2><pre>\(WebPages.h(c.record))</pre><p>Valid until \(c.expires.rfc3339).</p>"
                if c.purpose == "submit" {
                    body += "<form method=\"post\" action=\"/domains/\(WebPages.u(name.value))/confirm\"><button type=\"submit\">Confirm</button></form>"
                } else {
                    body += "<form method=\"post\" action=\"/domains/\(WebPages.u(name.value))/remove/confirm\"><button type=\"submit\">Confirm removal</button></form>"
                }
            }
            if !s.validations.isEmpty {
                body += "<h2>Recent validations</h2><table><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Result</th><th scope=\"col\">Codes</th></tr></thead><tbody>"
                for v in s.validations {
                    let verdict = v.inconclusive ? "inconclusive" : v.eligible ? "pass" : "fail"
                    body += "<tr><td>\(v.time.rfc3339)</td><td class=\"\(v.eligible ? "ok" : "bad")\">\(verdict)</td><td>\(WebPages.h(v.issueCodes.map(\.rawValue).joined(separator: ", ")))</td></tr>"
                }
                body += "</tbody></table>"
            }
            let events = try await StatusService(store: configuration.store, clock: configuration.clock).events(domain: name, limit: 20)
            if !events.isEmpty {
                body += "<h2>History</h2><table><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Change</th><th scope=\"col\">Why</th></tr></thead><tbody>"
                for e in events.reversed() {
                    body += "<tr><td>\(e.time.rfc3339)</td><td>\(WebPages.h((e.from.map { $0 + " → " } ?? "") + e.to))</td><td>\(WebPages.h(e.reason))</td></tr>"
                }
                body += "</tbody></table>"
            }
            if ["probation", "listed", "failing", "pending-verification"].contains(s.state) {
                body += """
                    <h2>Remove \(d)</h2>
                    <p>Removal needs the same proof of control: a DNS record.</p>
                    <form method="post" action="/domains/\(WebPages.u(name.value))/remove"><button type="submit">Request removal</button></form>
                    """
            }
            return WebPages.page(name.value, body)
        }
    }
}

extension PreloadAPI {
    /// `POST /contacts` (form): mails a new confirmation link to the contact address.
    func contactRequestPage(_ request: ServiceRequest) async -> ServiceResponse {
        await webPage {
            try requireSameOrigin(request)
            let address = try contactAddress(request.formFields["contact"] ?? "")
            try limit(writeLimiter, clientAddress(request), "submissions, removals and contact requests from this address")
            do {
                _ = try await contactConfirmationResponse(address)
            } catch CurationError.rateLimited(let what, let after) {
                metrics.contact("rate-limited")
                throw Self.problem(for: CurationError.rateLimited(what, retryAfter: after))
            }
            // The same words whether the address is confirmed already or not (its mail says which).
            let text = "A mail is on its way to the address: a confirmation link, or a notice that it is confirmed already. Until it is confirmed, the address gets no other mail from us."
            return WebPages.page("Contact address", "<p class=\"notice\" role=\"status\">\(WebPages.h(text))</p>")
        }
    }

    /// `GET /contacts/confirm?token=` shows the confirmation form; its `POST` (from this page only) confirms.
    func contactConfirmPage(_ request: ServiceRequest) async -> ServiceResponse {
        await webPage {
            guard request.method == .POST else {
                let code = request.query["token"] ?? ""
                return WebPages.page("Confirm your contact address", """
                    <p>Confirm that this address may get the preload service's notices about your mail domains.</p>
                    <form method="post" action="/contacts/confirm">
                    <label for="token">Confirmation code</label>
                    <input type="text" id="token" name="token" value="\(WebPages.h(code))" required autocomplete="off" spellcheck="false">
                    <button type="submit">Confirm</button>
                    </form>
                    """)
            }
            try requireSameOrigin(request)
            try limit(writeLimiter, clientAddress(request), "submissions, removals and contact requests from this address")
            let state = try await confirmContactCode(request.formFields["token"] ?? "")
            return WebPages.page("Contact address confirmed",
                                 "<p class=\"ok\" role=\"status\" id=\"contact-state\">Confirmed \(state.confirmedAt?.rfc3339 ?? ""). "
                                 + "This address now gets the notices of its domains.</p><p><a href=\"/\">Back to the start</a></p>")
        }
    }
}

extension WebPages {
    /// The note on a submission's page about the contact address, with a form to ask for the link again.
    static func contactNotice(_ contact: String) -> String {
        """
        <p>Unless your contact address is confirmed already, a confirmation link was mailed to it: the address \
        gets no notices until you open it.</p>
        <form method="post" action="/contacts"><input type="hidden" name="contact" value="\(h(contact))">\
        <button type="submit">Send the confirmation link again</button></form>
        """
    }

    static func withoutContacts(_ text: String) -> String { PreloadAPI.withoutContacts(text) }
}
