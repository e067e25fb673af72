import Foundation
import PreloadClient
import PreloadCore
import PreloadTesting
import Testing

/// Signs lists with OpenSSH's own ssh-keygen, so the client is checked against an independent signer.
struct SSHKeygenSigner {
    let directory: String
    let keyPath: String

    init() async throws {
        directory = try temporaryDirectory("sshsig")
        keyPath = directory + "/signer"
        let made = try await runCommand("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ops@example", "-f", keyPath])
        guard made.status == 0 else { throw ClientError(description: "ssh-keygen: \(made.stderr)") }
    }

    var publicKeyLine: String {
        String(decoding: FileManager.default.contents(atPath: keyPath + ".pub")!, as: UTF8.self)
    }

    var allowedSigners: String {
        let parts = publicKeyLine.split(separator: " ")
        return "ops@example namespaces=\"preload-list\" \(parts[0]) \(parts[1])\n"
    }

    /// The armoured signature of `bytes` with `namespace`.
    func sign(_ bytes: [UInt8], namespace: String = "preload-list") async throws -> String {
        let file = directory + "/list-\(UUID().uuidString).json"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let signed = try await runCommand("/usr/bin/ssh-keygen", ["-q", "-Y", "sign", "-f", keyPath, "-n", namespace, file])
        guard signed.status == 0 else { throw ClientError(description: "ssh-keygen -Y sign: \(signed.stderr)") }
        return String(decoding: FileManager.default.contents(atPath: file + ".sig")!, as: UTF8.self)
    }
}

/// A canonical v1 list with one enforce and one testing entry.
func sampleListBytes(serial: UInt64, expires: String = "2026-12-13T05:00:00Z") -> [UInt8] {
    Array("""
    {
      "format": 1,
      "serial": \(serial),
      "generated": "2026-11-29T05:00:00Z",
      "expires": "\(expires)",
      "publisher": "test publisher",
      "domains": {
        "example.com": {"mode": "enforce", "mx": ["*.mail.example.com", "mx.example.com"], "provenance": {"method": "mta-sts", "added": "2026-10-01T12:00:00Z", "verified": "2026-11-28T03:00:00Z"}},
        "example.org": {"mode": "testing", "mx": ["mx.example.org"], "provenance": {"method": "manual", "added": "2026-10-01T12:00:00Z", "verified": "2026-11-28T03:00:00Z"}}
      }
    }

    """.utf8)
}

private let now = Timestamp(rfc3339: "2026-11-30T00:00:00Z")!

@Suite struct SignedListVerifierTests {
    @Test func verifiesWhatSSHKeygenSigned() async throws {
        let signer = try await SSHKeygenSigner()
        defer { try? FileManager.default.removeItem(atPath: signer.directory) }
        let bytes = sampleListBytes(serial: 7)
        let signature = try await signer.sign(bytes)
        for trust in [StateDirectory.TrustFile.allowedSigners(signer.allowedSigners), .key(signer.publicKeyLine)] {
            let verifier = try SignedListVerifier(trust)
            let index = try verifier.verifyForInstall(bytes, signature: signature, minimumSerial: 7, now: now)
            #expect(index.serial == 7 && index.count == 2)
            #expect(index.entry(for: try DomainName("example.com"))?.mode == .enforce)
            #expect(index.entry(for: try DomainName("mail.example.com")) == nil)
        }
    }

    @Test func refusals() async throws {
        let signer = try await SSHKeygenSigner()
        let stranger = try await SSHKeygenSigner()
        defer {
            try? FileManager.default.removeItem(atPath: signer.directory)
            try? FileManager.default.removeItem(atPath: stranger.directory)
        }
        let verifier = try SignedListVerifier(.allowedSigners(signer.allowedSigners))
        let bytes = sampleListBytes(serial: 7)
        func code(_ body: () throws(ListRefusal) -> ListIndex) -> IssueCode? {
            do { _ = try body(); return nil } catch { return error.code }
        }
        let good = try await signer.sign(bytes)
        var tampered = bytes
        tampered[tampered.firstIndex(of: UInt8(ascii: "7"))!] = UInt8(ascii: "8")
        #expect(code { () throws(ListRefusal) in try verifier.verifyForInstall(tampered, signature: good, minimumSerial: nil, now: now) }
                == "list.signature-invalid")
        let foreign = try await stranger.sign(bytes)
        #expect(code { () throws(ListRefusal) in try verifier.verifyForInstall(bytes, signature: foreign, minimumSerial: nil, now: now) }
                == "list.signer-unknown")
        let gitNamespace = try await signer.sign(bytes, namespace: "git")
        #expect(code { () throws(ListRefusal) in try verifier.verifyForInstall(bytes, signature: gitNamespace, minimumSerial: nil, now: now) }
                == "list.signature-namespace")
        #expect(code { () throws(ListRefusal) in try verifier.verifyForInstall(bytes, signature: good, minimumSerial: 8, now: now) }
                == "list.rollback")
        let later = Timestamp(rfc3339: "2026-12-20T00:00:00Z")!
        #expect(code { () throws(ListRefusal) in try verifier.verifyForInstall(bytes, signature: good, minimumSerial: nil, now: later) }
                == "list.expired")
        // The installed copy still verifies after expiry: the merge rule is what ignores its entries.
        #expect(code { () throws(ListRefusal) in try verifier.verifyInstalled(bytes, signature: good, now: later) } == nil)
    }
}
