import Foundation
import PreloadClient
import PreloadCore
import PreloadSigning
import PreloadTesting
import Testing

/// Every file a command reads is a regular file under one documented cap per kind (`InputLimits`): a FIFO
/// or a device is refused at once instead of blocking or reading forever, an oversized file is refused from
/// its size before it is read, with exit 1 and its own finding code. The oversized files here are sparse
/// (`ftruncate`): they cost no disk, and only reading them would cost memory.
@Suite("Input files: regular files under one cap") struct InputLimitsTests {
    let key = try! Ed25519PrivateKey.generate()
    let now = SignFixtures.t0.adding(days: 1)

    /// A signed list (`list.json` + `.sig`), the allowed signers, a FIFO, and an oversized sparse file.
    func fixtures() throws -> ScratchDirectory {
        let dir = try ScratchDirectory("preload-inputs")
        let list = ListCodec.encode(PreloadList(serial: 3, generated: SignFixtures.t0, expires: SignFixtures.t0.adding(days: 14),
                                                publisher: "ops@example.org", entries: [try SignFixtures.entry("a.example")]))
        try dir.write("list.json", bytes: list)
        try dir.write("list.json.sig", try SSHSignature.sign(list, namespace: "preload-list", with: key).armored)
        try dir.write("allowed_signers", AllowedSigners(entries: [.init(principals: ["ops@example.org"], key: SSHPublicKey(key.publicKey),
                                                                        namespaces: ["preload-list", "git"])]).text)
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        try sparse(dir.file("huge.json"), InputLimits.maxListBytes + 1)
        return dir
    }

    func sparse(_ path: String, _ size: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0, ftruncate(fd, off_t(size)) == 0 else { throw SignTestError("cannot make \(path)") }
        close(fd)
    }

    func preload(_ args: [String]) async throws -> (status: Int32, json: [String: Any], out: ProcessOutput) {
        // A FIFO that blocked would hang the command: the timeout turns that into a failure.
        let out = try await Tool.run(try Tool.preloadBinary(), args, environment: ["PRELOAD_NOW": now.rfc3339], timeout: 60)
        #expect(!out.signalled, "preload \(args.joined(separator: " ")) did not finish")
        let json = (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String: Any] ?? [:]
        return (out.status, json, out)
    }

    func codes(_ json: [String: Any]) -> [String] {
        (json["issues"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }

    @Test func listVerifyRefusesWhatIsNotARegularFileAndWhatIsTooLarge() async throws {
        let dir = try fixtures()
        let signers = ["--allowed-signers", dir.file("allowed_signers"), "--format", "json"]
        #expect(try await preload(["list", "verify", dir.file("list.json")] + signers).status == 0)

        // A FIFO (no writer: it used to block for ever) and a device (it used to read a gigabyte of zeros).
        for path in [dir.file("fifo"), "/dev/zero"] {
            let r = try await preload(["list", "verify", path, "--signature", dir.file("list.json.sig")] + signers)
            #expect(r.status == 64, "\(path): \(r.out.stderr)")
            #expect(r.out.stderr.contains("not a regular file"), "\(path): \(r.out.stderr)")
        }
        // A list above the cap: refused from its size.
        let huge = try await preload(["list", "verify", dir.file("huge.json"), "--signature", dir.file("list.json.sig")] + signers)
        #expect(huge.status == 1, "\(huge.out.stderr)")
        #expect(huge.json["code"] as? String == "list.too-large")
        // A signature above its cap, and a signature that is a FIFO.
        try sparse(dir.file("big.sig"), InputLimits.maxSignatureBytes + 1)
        let bigSig = try await preload(["list", "verify", dir.file("list.json"), "--signature", dir.file("big.sig")] + signers)
        #expect(bigSig.status == 1, "\(bigSig.out.stderr)")
        #expect(bigSig.json["code"] as? String == "list.signature-malformed")
        #expect(try await preload(["list", "verify", dir.file("list.json"), "--signature", dir.file("fifo")] + signers).status == 64)
    }

    @Test func lintAndTheListCommandsRefuseTheSameWay() async throws {
        let dir = try fixtures()
        #expect(try await preload(["lint", "list", dir.file("list.json"), "--format", "json"]).status == 0)
        let huge = try await preload(["lint", "list", dir.file("huge.json"), "--format", "json"])
        #expect(huge.status == 1, "\(huge.out.stderr)")
        #expect(codes(huge.json) == ["list.too-large"])
        #expect(try await preload(["lint", "list", dir.file("fifo")]).status == 64)
        #expect(try await preload(["lint", "list", "/dev/zero"]).status == 64)

        try sparse(dir.file("policy.txt"), STSPolicyParser.maxBodyBytes + 1)
        let policy = try await preload(["lint", "policy", dir.file("policy.txt"), "--format", "json"])
        #expect(policy.status == 1)
        #expect(codes(policy.json) == ["mta-sts.policy-too-large"])
        #expect(try await preload(["lint", "policy", dir.file("fifo")]).status == 64)

        let convert = try await preload(["list", "convert", dir.file("huge.json"), "--to", "v1"])
        #expect(convert.status == 1)
        #expect(convert.out.stderr.contains("list.too-large"))
        #expect(try await preload(["list", "diff", dir.file("list.json"), dir.file("fifo")]).status == 64)
        // Key files are read the same way.
        #expect(try await preload(["list", "verify", dir.file("list.json"), "--allowed-signers", dir.file("fifo")]).status == 64)
    }

    @Test func syncRefusesOversizedListsAndSignaturesWithExitOne() async throws {
        let dir = try fixtures()
        let state = dir.file("state")
        let sync = ["sync", "--state", state, "--allowed-signers", dir.file("allowed_signers"), "--format", "json", "--source"]
        let good = try await preload(sync + [dir.file("list.json")])
        #expect(good.status == 0, "\(good.out.stderr)")

        // The list above the cap (it has a signature beside it): refused, the installed list kept.
        try FileManager.default.copyItem(atPath: dir.file("list.json.sig"), toPath: dir.file("huge.json.sig"))
        let huge = try await preload(sync + [dir.file("huge.json")])
        #expect(huge.status == 1, "\(huge.out.stderr)")
        #expect(huge.json["code"] as? String == "list.too-large")
        #expect(huge.json["serial"] as? Int == 3)

        // A signature of 200 MB used to be read whole and then called unreachable (exit 75).
        try FileManager.default.copyItem(atPath: dir.file("list.json"), toPath: dir.file("bigsig.json"))
        try sparse(dir.file("bigsig.json.sig"), 200_000_000)
        let bigSig = try await preload(sync + [dir.file("bigsig.json")])
        #expect(bigSig.status == 1, "\(bigSig.out.stderr)")
        #expect(bigSig.json["code"] as? String == "list.signature-malformed")

        // A FIFO as the source is a usage error.
        #expect(try await preload(sync + [dir.file("fifo")]).status == 64)
        // A missing source is unreachable: retry later.
        #expect(try await preload(sync + [dir.file("missing.json")]).status == 75)
    }

    @Test func aSyncWhileAnotherHoldsTheLockExits75() async throws {
        let dir = try fixtures()
        let state = StateDirectory(dir.file("state"))
        try state.prepare()
        let fd = open(dir.file("state/sync.lock"), O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let busy = try await preload(["sync", "--state", state.path, "--allowed-signers", dir.file("allowed_signers"),
                                      "--source", dir.file("list.json"), "--metrics-file", dir.file("sync.prom")])
        #expect(busy.status == 75, "\(busy.out.stderr)")
        #expect(busy.out.stderr.contains("another sync"))
        // The run that did not hold the lock writes no metrics: the one holding it will.
        #expect(!FileManager.default.fileExists(atPath: dir.file("sync.prom")))
        flock(fd, LOCK_UN)
        #expect(try await preload(["sync", "--state", state.path, "--allowed-signers", dir.file("allowed_signers"),
                                   "--source", dir.file("list.json")]).status == 0)
    }
}
