import Foundation
import PreloadClient
import PreloadCore
import PreloadSigning
import PreloadTesting
import Testing

/// `ListVerifier` and `preload list verify`: every refusal has its own code.
@Suite("List verify") struct ListVerifyTests {
    let key = try! Ed25519PrivateKey.generate()
    let t0 = SignFixtures.t0

    func list(serial: UInt64 = 5, days: Int = 14) throws -> [UInt8] {
        ListCodec.encode(PreloadList(serial: serial, generated: t0, expires: t0.adding(days: days),
                                     publisher: "ops@example.org",
                                     entries: [try SignFixtures.entry("a.example"), try SignFixtures.entry("b.example", .testing)]))
    }

    func sign(_ bytes: [UInt8], with key: Ed25519PrivateKey? = nil, namespace: String = "preload-list") throws -> String {
        try SSHSignature.sign(bytes, namespace: namespace, with: key ?? self.key).armored
    }

    var signers: AllowedSigners {
        AllowedSigners(entries: [.init(principals: ["ops@example.org"], key: SSHPublicKey(key.publicKey),
                                       namespaces: ["preload-list", "git"])])
    }

    /// Each case: list bytes, signature, trust, minimum serial, time → the expected code (nil: verified).
    func cases() throws -> [(String, [UInt8], String, ListTrust, UInt64?, Timestamp, IssueCode?)] {
        let good = try list()
        var tampered = good
        tampered[tampered.count / 2] ^= 0x20
        let gitOnly = AllowedSigners(entries: [.init(principals: ["ops"], key: SSHPublicKey(key.publicKey), namespaces: ["git"])])
        let notJSON = Array("not a list\n".utf8)
        let now = t0.adding(days: 1)
        return [
            ("good", good, try sign(good), .allowedSigners(signers), 5, now, nil),
            ("pinned key", good, try sign(good), .key(SSHPublicKey(key.publicKey)), nil, now, nil),
            ("rolled back", good, try sign(good), .allowedSigners(signers), 6, now, "list.rollback"),
            ("expired", good, try sign(good), .allowedSigners(signers), nil, t0.adding(days: 15), "list.expired"),
            ("tampered", tampered, try sign(good), .allowedSigners(signers), nil, now, "list.signature-invalid"),
            ("foreign key", good, try sign(good, with: try Ed25519PrivateKey.generate()), .allowedSigners(signers), nil, now,
             "list.signer-unknown"),
            ("foreign pinned key", good, try sign(good), .key(SSHPublicKey(try Ed25519PrivateKey.generate().publicKey)), nil, now,
             "list.signer-unknown"),
            ("git namespace", good, try sign(good, namespace: "git"), .allowedSigners(signers), nil, now, "list.signature-namespace"),
            ("key not for lists", good, try sign(good), .allowedSigners(gitOnly), nil, now, "list.signer-not-allowed"),
            ("garbage signature", good, "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n",
             .allowedSigners(signers), nil, now, "list.signature-malformed"),
            ("not a list", notJSON, try sign(notJSON), .allowedSigners(signers), nil, now, "list.invalid"),
        ]
    }

    @Test func eachRefusalHasItsOwnCode() throws {
        var seen: [IssueCode] = []
        for (name, bytes, signature, trust, minimum, now, expected) in try cases() {
            let verifier = ListVerifier(trust: trust, minimumSerial: minimum)
            do {
                let verified = try verifier.verify(bytes, signature: signature, now: now)
                #expect(expected == nil, "\(name): verified, expected \(expected!)")
                #expect(verified.list.serial == 5)
                #expect(verified.bytes == bytes)
                #expect(verified.signer.key == key.publicKey)
            } catch {
                #expect(error.code == expected, "\(name): \(error)")
                #expect(error.code.entry != nil, "\(name): \(error.code) is not in the catalogue")
                if expected != "list.signer-unknown" { seen.append(error.code) }
            }
        }
        #expect(Set(seen).count == seen.count, "codes repeat: \(seen)")
    }

    /// Lists longer than the first megabyte are read and hashed ahead on a second thread: the same verdicts,
    /// and every byte read even when the decoder stops at the start.
    @Test func longListsVerifyWhileReadAhead() throws {
        let long = ListCodec.encode(PreloadList(serial: 5, generated: t0, expires: t0.adding(days: 14), publisher: "ops@example.org",
                                                entries: try SignFixtures.entries(30_000)))
        #expect(long.count > 3 << 20)
        var tampered = long
        tampered[tampered.count - 10] ^= 0x01
        var broken = long
        broken[3] = UInt8(ascii: "@")  // a syntax error at the start of a signed file
        let now = t0.adding(days: 1)
        for (bytes, signed, expected) in [(long, long, nil), (tampered, long, "list.signature-invalid"),
                                           (broken, broken, "list.invalid")] as [([UInt8], [UInt8], IssueCode?)] {
            let signature = try sign(signed)
            for piece in [7_777, 1 << 20] {
                var offset = 0
                let outcome = Result { () throws(ListVerificationError) in
                    try ListVerifier(trust: .allowedSigners(signers)).verify(reading: { buffer in
                        let n = min(piece, buffer.count, bytes.count - offset)
                        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                        offset += n
                        return n
                    }, signature: signature, now: now)
                }
                switch outcome {
                case .success(let verified):
                    #expect(expected == nil)
                    #expect(verified.list.entries.count == 30_000)
                case .failure(let error): #expect(error.code == expected, "\(error)")
                }
                #expect(offset == bytes.count)
            }
        }
    }

    /// `verify(reading:)` — the list hashed and decoded as it is read, on two threads — refuses exactly as
    /// `verify(_:)` does, whatever the size of the pieces the list arrives in.
    @Test func verifyingWhileReadingRefusesAlike() throws {
        for (name, bytes, signature, trust, minimum, now, expected) in try cases() {
            for piece in [1, 5, 4096] {
                var offset = 0
                let verifier = ListVerifier(trust: trust, minimumSerial: minimum)
                let outcome = Result { () throws(ListVerificationError) in
                    try verifier.verify(reading: { buffer in
                        let n = min(piece, buffer.count, bytes.count - offset)
                        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                        offset += n
                        return n
                    }, signature: signature, now: now)
                }
                switch outcome {
                case .success(let verified):
                    #expect(expected == nil, "\(name), pieces of \(piece): verified, expected \(expected!)")
                    #expect(verified.list == (try verifier.verify(bytes, signature: signature, now: now)).list)
                    #expect(verified.bytes == nil)
                case .failure(let error):
                    #expect(error.code == expected, "\(name), pieces of \(piece): \(error)")
                }
                // Every byte was read, even when the decoder stopped early: the signature covers them all.
                if expected == nil || expected == "list.invalid" || expected == "list.signature-invalid" {
                    #expect(offset == bytes.count, "\(name), pieces of \(piece)")
                }
            }
        }
    }

    @Test func theCommandReportsEachRefusalWithItsCodeAndExitsOne() throws {
        let binary = try Tool.preloadBinary()
        let dir = try ScratchDirectory("preload-verify")
        try dir.write("allowed_signers", signers.text)
        try dir.write("key.pub", SSHPublicKey(key.publicKey).openSSHLine + "\n")
        for (index, (name, bytes, signature, trust, minimum, now, expected)) in try cases().enumerated() {
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
            let out = try Tool.run(binary, args, environment: ["PRELOAD_NOW": now.rfc3339])
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
        let text = try Tool.run(binary, ["list", "verify", dir.file("l0.json"), "--key", dir.file("key.pub")],
                                environment: ["PRELOAD_NOW": t0.rfc3339])
        #expect(text.status == 0)
        #expect(text.stdout.contains("serial 5"))
        let usage = try Tool.run(binary, ["list", "verify", dir.file("l0.json")])
        #expect(usage.status == 64)
    }
}
