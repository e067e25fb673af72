import PreloadCore
import PreloadTesting
import PreloadSigning
import Testing

/// Allowed-signers files we write, read by stock OpenSSH (`ssh-keygen -Y find-principals`).
@Suite("Signing: allowed signers and ssh-keygen") struct AllowedSignersSSHKeygenTests {
    @Test func writtenFileParsesBackAndSSHKeygenReadsIt() async throws {
        let dir = try ScratchDirectory()
        let key = try SignFixtures.key(in: dir, "k")
        let file = AllowedSigners(entries: [AllowedSigners.Entry(
            principals: ["ops@example.org"], key: SSHPublicKey(key.publicKey, comment: "ops"),
            namespaces: ["preload-list", "git"], validBefore: Timestamp(rfc3339: "2099-01-01T00:00:00Z"))])
        let back = try AllowedSigners(parsing: file.text)
        #expect(back.entries.map(\.key) == file.entries.map(\.key))
        #expect(back.entries[0].namespaces == ["preload-list", "git"])
        #expect(back.entries[0].validBefore == file.entries[0].validBefore)
        try dir.write("allowed", file.text)
        let out = try await Tool.run("ssh-keygen", ["-Y", "find-principals", "-f", dir.file("allowed"), "-s", "/dev/stdin"],
                                     stdin: Array(try SSHSignature.sign([1], namespace: "git", with: key).armored.utf8))
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("ops@example.org"))
    }

}
