import Foundation
import PreloadCore
import PreloadTesting
import Testing

/// The web page in a real browser: Debian's headless chromium driven by Selenium (tools/serve/browser-walk)
/// walks an owner from the check through the submission and the DNS challenge to the status page showing
/// probation; a screenshot of each page lands in .build/test-artifacts/serve-browser (not committed).
@Suite("preload serve web page", .serialized) struct ServeBrowserTests {
    @Test("an owner walks preflight → submit → challenge → confirm → probation in chromium")
    func ownerWalk() async throws {
        let bed = try await NetTestBed.shared
        let names = TestBedNames(bed)
        let domain = try await names.mailDomain("serve-web")
        let server = try await ServeProcess("serve-web", arguments: ["--allow-private-targets"])
        try await withCleanup({ _ = await server.stop() }) {
            let artifacts = RepositoryRoot.path + "/.build/test-artifacts/serve-browser"
            let walk = try await Tool.run("python3", [RepositoryRoot.path + "/tools/serve/browser-walk", server.url, domain, artifacts,
                                                      bed.testbed], timeout: 300)
            await names.removeAll()
            #expect(walk.status == 0, "\(walk.stdout)\(walk.stderr.suffix(3000))")
            for shot in ["01-home", "02-check", "03-challenge", "04-status"] {
                #expect(FileManager.default.fileExists(atPath: "\(artifacts)/\(shot).png"), "\(shot).png")
            }

            // The form POSTs refuse requests from other sites (no Origin of this service).
            let c = ServeClient(server.url)
            let forged = try await c.send("POST", "/submit", json: "domain=\(domain)&contact=x%40notify.test",
                                          contentType: "application/x-www-form-urlencoded", headers: ["Origin": "https://evil.example"])
            #expect(forged.status == 403)
            let noOrigin = try await c.send("POST", "/domains/\(domain)/remove", json: "", contentType: "application/x-www-form-urlencoded")
            #expect(noOrigin.status == 403)
            let state = try await c.send("GET", "/api/v1/domains/\(domain)").json["state"] as? String
            #expect(state == "probation")
        }
    }
}
