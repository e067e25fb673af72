import Foundation
import PreloadCore
import PreloadSigning
import PreloadTesting
import Testing

/// `preload list verify`: every refusal of the verifier (see `ListVerifierTests`) reported with its code.
@Suite("List verify") struct ListVerifyTests {
    let fixture = ListVerifyFixture()

    @Test func theCommandReportsEachRefusalWithItsCodeAndExitsOne() async throws {
        let binary = try Tool.preloadBinary()
        let dir = try ScratchDirectory("preload-verify")
        try dir.write("allowed_signers", fixture.signers.text)
        try dir.write("key.pub", SSHPublicKey(fixture.key.publicKey).openSSHLine + "\n")
        for (index, (name, bytes, signature, trust, minimum, now, expected)) in try fixture.cases().enumerated() {
            try dir.write("l\(index).json", bytes: bytes)
            try dir.write("l\(index).json.sig", signature)
            var args = ["list", "verify", dir.file("l\(index).json"), "--format", "json"]
            switch trust {
            case .key(let pinned):
                try dir.write("pin\(index).pub", pinned.openSSHLine)
                args += ["--key", dir.file("pin\(index).pub")]
            case .allowedSigners(let file):
                try dir.write("as\(index)", file.text)
                args += ["--allowed-signers", dir.file("as\(index)")]
            }
            if let minimum { args += ["--min-serial", String(minimum)] }
            let out = try await Tool.run(binary, args, environment: ["PRELOAD_NOW": now.rfc3339])
            let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            if let expected {
                #expect(out.status == 1, "\(name): \(out.stderr)")
                #expect(json?["valid"] as? Bool == false, "\(name)")
                #expect(json?["code"] as? String == expected.rawValue, "\(name): \(out.stdout)")
            } else {
                #expect(out.status == 0, "\(name): \(out.stderr)")
                #expect(json?["serial"] as? Int == 5, "\(name)")
                #expect(json?["domains"] as? Int == 2 && json?["enforce"] as? Int == 1, "\(name)")
            }
        }
        // Text output and the default signature path.
        let text = try await Tool.run(binary, ["list", "verify", dir.file("l0.json"), "--key", dir.file("key.pub")],
                                      environment: ["PRELOAD_NOW": fixture.t0.rfc3339])
        #expect(text.status == 0)
        #expect(text.stdout.contains("serial 5"))
        let usage = try await Tool.run(binary, ["list", "verify", dir.file("l0.json")])
        #expect(usage.status == 64)
    }
}
