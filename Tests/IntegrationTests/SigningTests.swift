import Foundation
import PreloadCore
import PreloadSigning
import PreloadTesting
import Testing

/// Keys and SSH signatures, checked against stock OpenSSH (`ssh-keygen -Y`).
@Suite("Signing") struct SigningTests {
    @Test func keyFilesAreWrittenOnceWithMode0600() throws {
        let dir = try ScratchDirectory()
        let key = try SignFixtures.key(in: dir, "signer")
        var info = stat()
        #expect(stat(dir.file("signer"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try KeyFiles.readPrivateKey(dir.file("signer")).publicKey == key.publicKey)
        #expect(try KeyFiles.readPublicKey(dir.file("signer.pub")).key == key.publicKey)
        let before = try dir.read("signer")
        #expect(throws: SigningError.fileExists(path: dir.file("signer"))) {
            try KeyFiles.writeNewKeyPair(try Ed25519PrivateKey.generate(), comment: "x", to: dir.file("signer"))
        }
        #expect(try dir.read("signer") == before)
        // Only the .pub exists: still refused, and the private key is not created.
        try FileManager.default.removeItem(atPath: dir.file("signer"))
        #expect(throws: SigningError.fileExists(path: dir.file("signer.pub"))) {
            try KeyFiles.writeNewKeyPair(try Ed25519PrivateKey.generate(), comment: "x", to: dir.file("signer"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("signer")))
    }

    @Test func publicKeyLineAndFingerprintMatchSSHKeygen() async throws {
        let dir = try ScratchDirectory()
        let key = try SignFixtures.key(in: dir, "k")
        let out = try await Tool.run("ssh-keygen", ["-l", "-f", dir.file("k.pub")])
        #expect(out.status == 0)
        let pub = SSHPublicKey(key.publicKey, comment: "k")
        #expect(out.stdout.contains(pub.fingerprint))
        #expect(try SSHPublicKey(openSSHLine: pub.openSSHLine) == pub)
        #expect(throws: SigningError.unsupportedKeyType("ssh-rsa")) { try SSHPublicKey(openSSHLine: "ssh-rsa AAAAB3NzaC1yc2E= x") }
    }

    @Test func sshKeygenAcceptsOurSignatureAndRejectsAChangedByte() async throws {
        let dir = try ScratchDirectory()
        let key = try SignFixtures.key(in: dir, "k")
        let message = Array("{\"format\": 1}\n".utf8) + (0..<5000).map { UInt8($0 % 251) }
        let sig = try SSHSignature.sign(message, namespace: "preload-list", with: key)
        try dir.write("msg.sig", sig.armored)
        try dir.write("allowed", "signer@example.org namespaces=\"preload-list\" \(SSHPublicKey(key.publicKey).openSSHLine)\n")
        func verify(_ data: [UInt8], namespace: String = "preload-list") async throws -> Int32 {
            try await Tool.run("ssh-keygen", ["-Y", "verify", "-f", dir.file("allowed"), "-I", "signer@example.org",
                                              "-n", namespace, "-s", dir.file("msg.sig")], stdin: data).status
        }
        #expect(try await verify(message) == 0)
        var changed = message
        changed[changed.count / 2] ^= 0x01
        #expect(try await verify(changed) != 0)
        #expect(try await verify(message, namespace: "git") != 0)
        // Our armour has OpenSSH's layout: lines of 70.
        let lines = sig.armored.split(separator: "\n")
        #expect(lines.dropFirst().dropLast().dropLast().allSatisfy { $0.count == 70 })
    }

    @Test(arguments: ["sha512", "sha256"])
    func ourVerifierAcceptsSSHKeygenSignatures(hash: String) async throws {
        let dir = try ScratchDirectory()
        // A key made by ssh-keygen itself (OpenSSH private key format): only its public half is ours to read.
        try await Tool.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "theirs", "-f", dir.file("theirs")])
        let message = Array("a list, signed by OpenSSH\n".utf8)
        try dir.write("msg", bytes: message)
        let out = try await Tool.run("ssh-keygen", ["-Y", "sign", "-f", dir.file("theirs"), "-n", "preload-list",
                                                    "-O", "hashalg=\(hash)", dir.file("msg")])
        #expect(out.status == 0, "\(out.stderr)")
        let sig = try SSHSignature(armored: String(decoding: try dir.read("msg.sig"), as: UTF8.self))
        #expect(sig.hashAlgorithm == hash)
        #expect(sig.publicKey == (try KeyFiles.readPublicKey(dir.file("theirs.pub"))).key)
        try sig.verify(message, namespace: "preload-list")
        #expect(throws: SigningError.signatureInvalid) { try sig.verify(message + [0x0A], namespace: "preload-list") }
        #expect(throws: SigningError.signatureNamespaceMismatch(expected: "git", found: "preload-list")) {
            try sig.verify(message, namespace: "git")
        }
    }
}
