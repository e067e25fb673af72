import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// `preload serve` over real HTTP on loopback (curl as the client), against the shared test bed: every
/// endpoint, every error status, rate limits, the check gate, the published list's ETag and 304, and then
/// every recorded exchange checked against policy-schema/openapi.yaml by tools/serve/openapi-check
/// (Python jsonschema), which also fails when a documented response was never exercised.
@Suite("preload serve API", .serialized) struct ServeAPITests {
    @Test("every endpoint and error status, checked against the OpenAPI document")
    func apiConformance() async throws {
        let bed = try await NetTestBed.shared
        let names = TestBedNames(bed)
        let repo = try ScratchDirectory("serve-repo")
        try FileManager.default.createDirectory(atPath: repo.file("list"), withIntermediateDirectories: true)
        let server = try await ServeProcess("serve-api", arguments: [
            "--repo", repo.path, "--allow-private-targets", "--trusted-proxy", "127.0.0.1",
            "--max-checks", "1", "--check-queue", "0", "--preflight-limit", "3/min", "--read-limit", "5/min",
            "--submission-limit", "6/h", "--removal-limit", "3/h", "--write-limit", "100/h", "--domain-timeout", "30",
        ] + bed.relayArguments())
        try await withCleanup({ _ = await server.stop() }) {
            let c = ServeClient(server.url)
            // A second server whose relay refuses connections (the discard port), with a small write limit.
            let broken = try await ServeProcess("serve-api-norelay", arguments: [
                "--trusted-proxy", "127.0.0.1", "--write-limit", "3/h", "--smtp-relay", "127.0.0.1:9",
            ])
            try await withCleanup({ _ = await broken.stop() }) {
                let b = ServeClient(broken.url)
                try await names.removingAfterwards {
                    try await exercise(c, bed: bed, names: names, repo: repo)
                    try await exerciseContacts(c, server: server, bed: bed)
                    try await exerciseBrokenRelay(b)
                }

                // Graceful stop: SIGTERM ends the process with status 0.
                #expect(await server.stop() == 0)
                // No contact address ever reaches the log.
                #expect(!server.log.contains("owner@notify.test"))
                #expect(!server.log.contains("@notify.test"))

                #expect(await broken.stop() == 0)
                #expect(!broken.log.contains("@notify.test"))

                // The notices of the domains submitted through the service went to a contact that never confirmed:
                // validate-all withholds them.
                let run = try await Tool.run(try Tool.preloadBinary(), ["validate-all", "--state", server.state, "--no-publish", "--format", "json",
                                                                        "--timeout", PreloadCLI.stepTimeout],
                                             environment: ["PRELOAD_DNS": bed.dns.server, "PRELOAD_CA_FILE": bed.caFile])
                #expect(run.status == 0, "\(run.stderr)")
                let tally = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["notifications"] as? [String: Any]
                #expect((tally?["withheld"] as? Int ?? 0) >= 2, "\(run.stdout)")
                #expect(tally?["sent"] as? Int == 0 && tally?["recorded"] as? Int == 0)

                let log = server.scratch.file("exchanges.jsonl")
                try c.writeLog(to: log, with: [b])
                let check = try await Tool.run("python3", [RepositoryRoot.path + "/tools/serve/openapi-check",
                                                           RepositoryRoot.path + "/policy-schema/openapi.yaml", log])
                #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            }
        }
    }

    func exercise(_ c: ServeClient, bed: NetTestBed, names: TestBedNames, repo: ScratchDirectory) async throws {
        // Health, metrics, unknown routes and methods.
        #expect(try await c.send("GET", "/healthz").status == 200)
        #expect(try await c.send("HEAD", "/healthz").status == 200)
        #expect(try await c.send("GET", "/metrics").header("content-type")?.hasPrefix("text/plain") == true)
        let notFound = try await c.send("GET", "/nope")
        #expect(notFound.status == 404)
        #expect(notFound.header("content-type") == "application/problem+json")
        #expect(notFound.json["code"] as? String == "request.not-found")
        let wrongMethod = try await c.send("DELETE", "/api/v1/domains/good.test")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("allow") == "GET, HEAD")
        #expect(try await c.send("GET", "/api/v1/submissions").status == 405)
        #expect(try await c.send("POST", "/metrics", json: "{}").status == 405)

        // The published list: 404 until published, then 200 with a strong ETag and 304 on If-None-Match.
        for path in ["/list/preload.json", "/list/preload.json.sig", "/list/allowed_signers"] {
            #expect(try await c.send("GET", path).status == 404)
        }
        let entry = try SignFixtures.entry("good.test")
        try repo.write("list/preload.json", bytes: SignFixtures.listFile([entry]))
        try repo.write("list/preload.json.sig", "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n")
        try repo.write("list/allowed_signers", "ops@example.org namespaces=\"preload-list\" ssh-ed25519 AAAA\n")
        for path in ["/list/preload.json", "/list/preload.json.sig", "/list/allowed_signers"] {
            let first = try await c.send("GET", path)
            #expect(first.status == 200)
            let etag = try #require(first.header("etag"))
            #expect(etag.hasPrefix("\"sha256-"))
            #expect(first.header("last-modified")?.hasSuffix("GMT") == true)
            #expect(first.header("cache-control")?.contains("max-age") == true)
            let again = try await c.send("GET", path, headers: ["If-None-Match": etag])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(try await c.send("GET", path, headers: ["If-None-Match": "\"sha256-0\""]).status == 200)
        }
        // A new publish changes the tag.
        let before = try await c.send("GET", "/list/preload.json").header("etag")
        try repo.write("list/preload.json", bytes: SignFixtures.listFile([entry, try SignFixtures.entry("good2.test")]))
        let after = try await c.send("GET", "/list/preload.json")
        #expect(after.header("etag") != before)
        #expect(after.body.contains("good2.test"))

        // Preflight: checked, then reused; an invalid name is 422 domain.invalid.
        let first = try await c.send("GET", "/api/v1/preflight/good.test")
        #expect(first.status == 200)
        #expect(first.json["eligible"] as? Bool == true)
        #expect(first.json["source"] as? String == "checked")
        #expect(try await c.send("GET", "/api/v1/preflight/good.test").json["source"] as? String == "reused")
        let invalid = try await c.send("GET", "/api/v1/preflight/bad..name")
        #expect(invalid.status == 422)
        #expect(invalid.json["code"] as? String == "domain.invalid")
        // The rate limit: 3/min per client; the 4th request gets 429 with Retry-After.
        for _ in 0..<3 { #expect(try await c.send("GET", "/api/v1/preflight/good.test", client: "203.0.113.7").status == 200) }
        let limited = try await c.send("GET", "/api/v1/preflight/good.test", client: "203.0.113.7")
        #expect(limited.status == 429)
        #expect(Int(limited.header("retry-after") ?? "") ?? 0 >= 1)
        // Another client is not limited.
        #expect(try await c.send("GET", "/api/v1/preflight/good.test", client: "203.0.113.8").status == 200)

        // A domain of our own, submitted: 202 with the challenge.
        let domain = try await names.mailDomain("serve-api")
        let submitted = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(domain)","contact":"owner@notify.test"}"#)
        #expect(submitted.status == 202, "\(submitted.body)")
        #expect(submitted.json["state"] as? String == "pending")
        let challenge = try #require(submitted.json["challenge"] as? [String: Any])
        #expect(challenge["name"] as? String == "_preload-challenge.\(domain)")
        let token = try #require(challenge["value"] as? String)
        // Submitting again while pending keeps the same challenge.
        let again = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(domain)","contact":"owner@notify.test"}"#)
        #expect(again.status == 202)
        #expect((again.json["challenge"] as? [String: Any])?["value"] as? String == token)

        // The check gate: one check at a time and no queue. Two preflights of one slow domain share one check
        // (single flight); meanwhile other checks get 503 with Retry-After.
        // (curl runs on threads of its own: the test's few cooperative threads must stay free meanwhile.)
        async let slow1 = c.sendInBackground("GET", "/api/v1/preflight/no-banner.test")
        async let slow2 = c.sendInBackground("GET", "/api/v1/preflight/no-banner.test")
        // Wait until the slow check holds the gate (on a loaded machine the curl threads may start late).
        for _ in 0..<600 {
            if try await c.send("GET", "/metrics").body.contains("preload_checks_running 1") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let busy = try await c.send("GET", "/api/v1/preflight/good2.test")
        #expect(busy.status == 503)
        #expect(busy.header("retry-after") != nil)
        #expect(try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"good2.test","contact":"owner@notify.test"}"#).status == 503)
        #expect(try await c.send("POST", "/api/v1/submissions/\(domain)/confirm").status == 503)
        let sources = Set([try await slow1, try await slow2].compactMap { $0.json["source"] as? String })
        #expect(sources == ["checked", "joined"])

        // Confirm before the record is published: 409; published: 200, probation.
        let early = try await c.send("POST", "/api/v1/submissions/\(domain)/confirm")
        #expect(early.status == 409)
        #expect(early.json["code"] as? String == "challenge.not-published")
        try await names.add("_preload-challenge.\(domain)", "TXT", token)
        let confirmed = try await c.send("POST", "/api/v1/submissions/\(domain)/confirm")
        #expect(confirmed.status == 200, "\(confirmed.body)")
        #expect(confirmed.json["state"] as? String == "probation")
        // Now active: a new submission is 409.
        let active = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(domain)","contact":"owner@notify.test"}"#)
        #expect(active.status == 409)
        #expect(active.json["code"] as? String == "submission.already-active")
        let status = try await c.send("GET", "/api/v1/domains/\(domain)")
        #expect(status.status == 200)
        #expect(status.json["state"] as? String == "probation")
        #expect(!status.body.contains("owner@notify.test"))

        // Submission errors.
        #expect(try await c.send("POST", "/api/v1/submissions", json: "{not json").json["code"] as? String == "request.malformed")
        #expect(try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"x.test"}"#).status == 400)
        #expect(try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"x.test","contact":"a@b.test"}"#,
                                 contentType: "application/x-www-form-urlencoded").status == 415)
        let big = #"{"domain":"x.test","contact":"a@b.test","mx":["# + String(repeating: "\"a.test\",", count: 2000) + #""a.test"]}"#
        let tooLarge = try await c.send("POST", "/api/v1/submissions", json: big)
        #expect(tooLarge.status == 413)
        #expect(tooLarge.json["code"] as? String == "request.too-large")
        let badDomain = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"-bad-.test.","contact":"a@b.test"}"#)
        #expect(badDomain.status == 422)
        #expect(badDomain.json["code"] as? String == "domain.invalid")
        let ineligible = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"no-starttls.test","contact":"a@notify.test"}"#)
        #expect(ineligible.status == 422)
        #expect((ineligible.json["findings"] as? [[String: Any]])?.contains { $0["code"] as? String == "smtp.starttls-missing" } == true)
        // Per-domain limits: the state allows 5 attempts a day, the service 6/h here; past them, 429 with
        // Retry-After, and the confirmation too.
        for _ in 0..<5 {
            #expect(try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"no-mx.test","contact":"a@notify.test"}"#).status == 422)
        }
        let perDomain = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"no-mx.test","contact":"a@notify.test"}"#)
        #expect(perDomain.status == 429)
        #expect(perDomain.header("retry-after") != nil)
        #expect(try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"no-mx.test","contact":"a@notify.test"}"#).status == 429)
        #expect(try await c.send("POST", "/api/v1/submissions/no-mx.test/confirm").status == 429)
        // Confirmation errors.
        #expect(try await c.send("POST", "/api/v1/submissions/never-submitted.test/confirm").json["code"] as? String == "submission.not-pending")
        #expect(try await c.send("POST", "/api/v1/submissions/bad..name/confirm").status == 422)

        // Status: unknown for a domain never submitted; 422 for a bad name; 429 past the read limit (5/min).
        let unknown = try await c.send("GET", "/api/v1/domains/never-submitted.test")
        #expect(unknown.json["state"] as? String == "unknown")
        #expect(try await c.send("GET", "/api/v1/domains/bad..name").status == 422)
        for _ in 0..<5 { #expect(try await c.send("GET", "/api/v1/domains/good.test", client: "203.0.113.9").status == 200) }
        #expect(try await c.send("GET", "/api/v1/domains/good.test", client: "203.0.113.9").status == 429)

        // Removal by proof: 202 with a challenge, 409 before it is published, 200 after; then nothing to remove.
        let removal = try await c.send("POST", "/api/v1/removals", json: #"{"domain":"\#(domain)"}"#)
        #expect(removal.status == 202)
        let removeToken = try #require((removal.json["challenge"] as? [String: Any])?["value"] as? String)
        #expect(removeToken.hasPrefix("preload-remove="))
        #expect(try await c.send("POST", "/api/v1/removals/\(domain)/confirm").json["code"] as? String == "challenge.not-published")
        try await names.add("_preload-challenge.\(domain)", "TXT", removeToken)
        let removed = try await c.send("POST", "/api/v1/removals/\(domain)/confirm")
        #expect(removed.status == 200, "\(removed.body)")
        #expect(removed.json["state"] as? String == "removed")
        // The per-domain removal limit (3/h) is used up.
        let removalLimited = try await c.send("POST", "/api/v1/removals", json: #"{"domain":"\#(domain)"}"#)
        #expect(removalLimited.status == 429)
        #expect(try await c.send("POST", "/api/v1/removals/\(domain)/confirm").status == 429)
        #expect(try await c.send("POST", "/api/v1/removals", json: #"{"domain":"never-submitted.test"}"#).json["code"] as? String == "removal.not-active")
        #expect(try await c.send("POST", "/api/v1/removals/never-submitted.test/confirm").json["code"] as? String == "removal.not-requested")
        #expect(try await c.send("POST", "/api/v1/removals", json: "[1,").status == 400)
        #expect(try await c.send("POST", "/api/v1/removals", json: #"{"domain":"a.test"}"#, contentType: "text/plain").status == 415)
        #expect(try await c.send("POST", "/api/v1/removals", json: #"{"domain":"a..test"}"#).status == 422)
        #expect(try await c.send("POST", "/api/v1/removals/bad..name/confirm").status == 422)
        #expect(try await c.send("POST", "/api/v1/removals", body: [UInt8](repeating: 0x20, count: 17 * 1024),
                                 contentType: "application/json").status == 413)

        // A second domain: its removal proven in the request itself (the record already published) is 200.
        let second = try await names.mailDomain("serve-api2")
        let secondSubmit = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(second)","contact":"owner@notify.test","mode":"testing"}"#)
        #expect(secondSubmit.status == 202, "\(secondSubmit.body)")
        let secondToken = try #require((secondSubmit.json["challenge"] as? [String: Any])?["value"] as? String)
        try await names.add("_preload-challenge.\(second)", "TXT", secondToken)
        // With the record already published, submitting again proves it: 200, probation.
        let secondProven = try await c.send("POST", "/api/v1/submissions", json: #"{"domain":"\#(second)","contact":"owner@notify.test"}"#)
        #expect(secondProven.status == 200, "\(secondProven.body)")
        #expect(secondProven.json["state"] as? String == "probation")
        let secondRemoval = try await c.send("POST", "/api/v1/removals", json: #"{"domain":"\#(second)"}"#)
        let secondRemoveToken = try #require((secondRemoval.json["challenge"] as? [String: Any])?["value"] as? String)
        try await names.add("_preload-challenge.\(second)", "TXT", secondRemoveToken)
        let secondRemoved = try await c.send("POST", "/api/v1/removals", json: #"{"domain":"\#(second)"}"#)
        #expect(secondRemoved.status == 200, "\(secondRemoved.body)")

        // Events: paginated oldest first; `next` leads to the rest; no contact address in them.
        let page1 = try await c.send("GET", "/api/v1/events?domain=\(domain)&limit=2")
        #expect(page1.status == 200)
        let events1 = page1.json["events"] as? [[String: Any]] ?? []
        #expect(events1.count == 2)
        let next = try #require(page1.json["next"] as? Int)
        let page2 = try await c.send("GET", "/api/v1/events?domain=\(domain)&after=\(next)&limit=100")
        let events2 = page2.json["events"] as? [[String: Any]] ?? []
        #expect(!events2.isEmpty)
        #expect(page2.json["next"] == nil)
        let ids = (events1 + events2).compactMap { $0["id"] as? Int }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        #expect((events1 + events2).last?["to"] as? String == "removed")
        #expect(!page1.body.contains("@") && !page2.body.contains("@"))
        #expect(try await c.send("GET", "/api/v1/events?after=x").status == 400)
        #expect(try await c.send("GET", "/api/v1/events?limit=0").status == 400)
        #expect(try await c.send("GET", "/api/v1/events?domain=bad..name").status == 422)
        for _ in 0..<5 { _ = try await c.send("GET", "/api/v1/events?limit=1", client: "203.0.113.10") }
        #expect(try await c.send("GET", "/api/v1/events?limit=1", client: "203.0.113.10").status == 429)

        // Metrics: the series the issue names, with what this test did.
        let metrics = try await c.send("GET", "/metrics").body
        #expect(metrics.contains(#"preload_http_requests_total{route="/api/v1/preflight/{domain}",status="429"}"#))
        #expect(metrics.contains("preload_http_request_duration_seconds_bucket"))
        #expect(metrics.contains(#"preload_submissions_total{outcome="verified"} 2"#))
        #expect(metrics.contains(#"preload_submissions_total{outcome="ineligible"} 6"#))
        #expect(metrics.contains(#"preload_removals_total{outcome="accepted"} 2"#))
        #expect(metrics.contains(#"preload_domains{state="removed"} 2.0"#))
        #expect(metrics.contains("preload_last_publish_serial"))
        #expect(metrics.contains(#"preload_preflights_total{source="joined"} 1"#))
        #expect(!metrics.contains("notify.test"))
    }

    /// Contact confirmation over the API (mail through the test bed's Postfix) and the confirmation page.
    func exerciseContacts(_ c: ServeClient, server: ServeProcess, bed: NetTestBed) async throws {
        let address = "contact-\(UInt64.random(in: 0...UInt64.max))@\(bed.notifyDomain)"
        let requested = try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"\#(address)"}"#)
        #expect(requested.status == 202, "\(requested.body)")
        #expect(requested.json["state"] as? String == "confirmation-sent")
        #expect(!requested.body.contains("@"), "the address is never echoed")
        let code = try await bed.confirmationCode(to: address)

        // The link's page: GET shows a form and changes nothing; the form's POST needs this service's Origin.
        let web = ServeClient(server.url)  // pages are not API exchanges: kept out of the OpenAPI log
        let page = try await web.send("GET", "/contacts/confirm?token=\(code)")
        #expect(page.status == 200)
        #expect(page.body.contains("value=\"\(code)\""))
        #expect(page.body.contains("<form method=\"post\" action=\"/contacts/confirm\">"))
        let form = "token=\(code)"
        #expect(try await web.send("POST", "/contacts/confirm", json: form, contentType: "application/x-www-form-urlencoded").status == 403)
        #expect(try await web.send("POST", "/contacts/confirm", json: form, contentType: "application/x-www-form-urlencoded",
                                   headers: ["Origin": "https://evil.example"]).status == 403)
        let origin = server.url  // http://127.0.0.1:PORT, the Host curl sends
        let confirmedPage = try await web.send("POST", "/contacts/confirm", json: form, contentType: "application/x-www-form-urlencoded",
                                               headers: ["Origin": origin])
        #expect(confirmedPage.status == 200, "\(confirmedPage.body)")
        #expect(confirmedPage.body.contains("id=\"contact-state\""))

        // The code worked once; the address is confirmed. Asking again answers exactly as for a new address
        // (202, the same body): the answer never tells a stranger whether an address is a confirmed contact.
        let reused = try await c.send("POST", "/api/v1/contacts/confirm", json: #"{"token":"\#(code)"}"#)
        #expect(reused.status == 422)
        #expect(reused.json["code"] as? String == "contact.token-invalid")
        let again = try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"\#(address)"}"#)
        #expect(again.status == 202)
        #expect(again.body == requested.body)

        // A second address, confirmed over the API.
        let second = "contact2-\(UInt64.random(in: 0...UInt64.max))@\(bed.notifyDomain)"
        #expect(try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"\#(second)"}"#).status == 202)
        let secondCode = try await bed.confirmationCode(to: second)
        let confirmed = try await c.send("POST", "/api/v1/contacts/confirm", json: #"{"token":"\#(secondCode)"}"#)
        #expect(confirmed.status == 200, "\(confirmed.body)")
        #expect(confirmed.json["state"] as? String == "confirmed")
        // 3 mails per address a day: the 4th request is 429 with Retry-After.
        #expect(try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"x\#(second)"}"#).status == 202)
        #expect(try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"x\#(second)"}"#).status == 202)
        #expect(try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"x\#(second)"}"#).status == 202)
        let limited = try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"x\#(second)"}"#)
        #expect(limited.status == 429)
        #expect(Int(limited.header("retry-after") ?? "") ?? 0 >= 1)

        // Request errors.
        #expect(try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"not an address"}"#).json["code"] as? String == "contact.invalid")
        #expect(try await c.send("POST", "/api/v1/contacts", json: "{").status == 400)
        #expect(try await c.send("POST", "/api/v1/contacts", json: #"{"contact":"a@b.test"}"#, contentType: "text/plain").status == 415)
        #expect(try await c.send("POST", "/api/v1/contacts", body: [UInt8](repeating: 0x20, count: 17 * 1024),
                                 contentType: "application/json").status == 413)
        #expect(try await c.send("POST", "/api/v1/contacts/confirm", json: #"{"token":"00112233445566778899aabbccddeeff"}"#)
            .json["code"] as? String == "contact.token-invalid")
        #expect(try await c.send("POST", "/api/v1/contacts/confirm", json: #"{"code":"x"}"#).status == 400)
        #expect(try await c.send("POST", "/api/v1/contacts/confirm", json: #"{"token":"x"}"#, contentType: "text/plain").status == 415)
        #expect(try await c.send("POST", "/api/v1/contacts/confirm", body: [UInt8](repeating: 0x20, count: 17 * 1024),
                                 contentType: "application/json").status == 413)
        #expect(try await c.send("GET", "/api/v1/contacts").status == 405)

        let metrics = try await c.send("GET", "/metrics").body
        #expect(metrics.contains(#"preload_contact_confirmations_total{outcome="confirmed"} 2"#))
        #expect(metrics.contains(#"preload_contact_confirmations_total{outcome="rate-limited"} 1"#))
        #expect(!metrics.contains("contact-"))
    }

    /// A relay that refuses: 503 with Retry-After, nothing confirmed; past the write limit, 429.
    func exerciseBrokenRelay(_ b: ServeClient) async throws {
        let failed = try await b.send("POST", "/api/v1/contacts", json: #"{"contact":"someone@notify.test"}"#, client: "203.0.113.20")
        #expect(failed.status == 503, "\(failed.body)")
        #expect(failed.json["code"] as? String == "contact.mail-failed")
        #expect(failed.header("retry-after") != nil)
        for _ in 0..<2 {
            #expect(try await b.send("POST", "/api/v1/contacts/confirm", json: #"{"token":"00112233445566778899aabbccddeeff"}"#,
                                     client: "203.0.113.20").status == 422)
        }
        let limited = try await b.send("POST", "/api/v1/contacts/confirm", json: #"{"token":"00112233445566778899aabbccddeeff"}"#,
                                       client: "203.0.113.20")
        #expect(limited.status == 429)
        #expect(limited.header("retry-after") != nil)
    }
}
