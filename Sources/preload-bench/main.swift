// preload-bench: the workloads of tools/bench/publish-verify, one per process so that the script can
// measure each one's wall time and peak memory (`/usr/bin/time -v`).
//
//   preload-bench key FILE                  write a new signing key (FILE, FILE.pub)
//   preload-bench entries N FILE            write a v1 list file with N synthetic domains (not timed)
//   preload-bench publish REPO KEY N [--bootstrap]
//                                           generate N domains in memory, then render + sign + commit
//   preload-bench verify LIST SIG ALLOWED   load + verify as `list verify` does: read, SHA-512, decode and
//                                           validate as one pass over the file; then Ed25519
//   preload-bench verify-memory LIST SIG ALLOWED
//                                           the same with the whole file read first (sync's in-memory path)
//   preload-bench seed-state DIR DOMAINS    a fresh state in DIR with every domain of the file DOMAINS (one
//                                           a line) `listed` since PRELOAD_NOW, MX patterns `*.DOMAIN`
//                                           (tools/bench/validate-all: `submit` is rate-limited by design)
import Foundation
import PreloadClient
import PreloadCore
import PreloadCuration
import PreloadGit
import PreloadSigning
import PreloadState

let now = Timestamp(rfc3339: ProcessInfo.processInfo.environment["PRELOAD_NOW"] ?? "2026-12-01T00:00:00Z")!

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("preload-bench: \(message)\n".utf8))
    exit(1)
}

@_silgen_name("malloc_stats") func mallocStats()

/// Current and peak resident memory of this process, from /proc/self/status.
func memory() -> String {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "" }
    func field(_ name: String) -> Int {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
    }
    if ProcessInfo.processInfo.environment["BENCH_MALLOC_STATS"] != nil { mallocStats() }
    return String(format: "rss %.0f MiB, peak %.0f MiB", Double(field("VmRSS")) / 1024, Double(field("VmHWM")) / 1024)
}

/// Keeps `value` until the process exits, as `preload list verify` does with its result (KeptUntilExit);
/// BENCH_RELEASE=1 frees it instead and says how long that took.
nonisolated(unsafe) var keptUntilExit: [Any] = []
func keep(_ value: Any) { keptUntilExit.append(value) }

/// Runs `body`; an error it throws ends the run (exit 1) with its description.
func orFail(_ body: () throws -> Void) {
    do { try body() } catch { fail("\(error)") }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// For `verify` and `verify-memory`: the signature and a verifier trusting the allowed signers, read as
/// `preload list verify` reads them.
func verifierAndSignature(_ signaturePath: String, _ allowedSignersPath: String) throws -> (ListVerifier, String) {
    let signature = String(decoding: try BoundedFile.read(signaturePath, limit: InputLimits.maxSignatureBytes), as: UTF8.self)
    return (ListVerifier(trust: ListTrust.allowedSigners(try KeyFiles.readAllowedSigners(allowedSignersPath))), signature)
}

/// N synthetic domains: 80 % own patterns (1–2 MX, 3 in 4 enforce), 20 % on one of 8 provider aliases.
func synthetic(_ count: Int) -> (entries: [ListEntry], aliases: [String: AliasPolicy]) {
    var aliases: [String: AliasPolicy] = [:]
    for p in 0..<8 {
        aliases["provider-\(p)"] = AliasPolicy(mode: p % 4 == 3 ? .testing : .enforce,
                                               mx: [try! MXPattern("*.mx.provider-\(p).example.net")])
    }
    let added = now.adding(days: -30)
    var entries: [ListEntry] = []
    entries.reserveCapacity(count)
    for i in 0..<count {
        let name = "domain-\(String(i, radix: 36))-\(i % 97).example"
        let policy: EntryPolicy
        if i % 5 == 4 {
            policy = .alias("provider-\(i % 8)")
        } else {
            var mx = [try! MXPattern("mx1.\(name)")]
            if i % 2 == 0 { mx.append(try! MXPattern("*.backup.\(name)")) }
            policy = .patterns(mode: i % 4 == 3 ? .testing : .enforce, mx: mx)
        }
        entries.append(ListEntry(domain: try! DomainName(name), policy: policy,
                                 provenance: Provenance(method: i % 3 == 0 ? .mtaSTS : .manual, added: added, verified: now)))
    }
    entries.sort { $0.domain.value < $1.domain.value }  // ASCII names: String order is byte order
    return (entries, aliases)
}

let args = CommandLine.arguments
guard args.count >= 2 else { fail("usage: entries N FILE | publish REPO KEY N [--bootstrap] | verify LIST SIG ALLOWED") }
switch args[1] {
case "key":
    guard args.count == 3 else { fail("key FILE") }
    try! KeyFiles.writeNewKeyPair(try! Ed25519PrivateKey.generate(), comment: "bench@example.org", to: args[2])

case "entries":
    guard args.count == 4, let n = Int(args[2]) else { fail("entries N FILE") }
    let (entries, aliases) = synthetic(n)
    let list = PreloadList(serial: 1, generated: now, expires: now.adding(days: 14), publisher: "bench@example.org",
                           aliases: aliases, entries: entries)
    try! Data(ListCodec.encode(list)).write(to: URL(fileURLWithPath: args[3]))

case "publish":
    guard args.count >= 5, let n = Int(args[4]) else { fail("publish REPO KEY N [--bootstrap]") }
    let key = try! KeyFiles.readPrivateKey(args[3])
    let (entries, aliases) = synthetic(n)
    let start = DispatchTime.now()
    let publisher = ListPublisher(repositoryPath: args[2], signingKey: key)
    let request = PublishRequest(entries: entries, aliases: aliases, now: now, publisher: "bench@example.org",
                                 bootstrap: args.contains("--bootstrap"))
    orFail {
        let result = try publisher.publish(request)
        print(String(format: "publish %d domains: serial %llu in %.3f s", result.domains, result.serial, seconds(since: start)))
    }

case "verify":
    // What `preload list verify` does: the list file hashed and decoded as it is read.
    guard args.count == 5 else { fail("verify LIST SIG ALLOWED") }
    let start = DispatchTime.now()
    orFail {
        let (verifier, signature) = try verifierAndSignature(args[3], args[4])
        let file = try BoundedFile(args[2], limit: InputLimits.maxListBytes)
        var verified: VerifiedList? = try verifier.verify(reading: file.read(into:), signature: signature, now: now)
        if let failure = file.failure { throw failure }
        let took = seconds(since: start)
        let (count, serial) = (verified!.list.entries.count, verified!.list.serial)
        var freed = ""
        if ProcessInfo.processInfo.environment["BENCH_RELEASE"] == "1" {
            let released = DispatchTime.now()
            verified = nil
            freed = String(format: " (then freed in %.3f s)", seconds(since: released))
        } else {
            keep(verified as Any)
        }
        print(String(format: "verify %d domains (%d bytes, streamed): serial %llu in %.3f s", count, file.size ?? 0, serial, took)
              + freed)
    }

case "verify-memory":
    // The list read whole first, then verified in memory (how `sync` verifies what it downloaded).
    guard args.count == 5 else { fail("verify-memory LIST SIG ALLOWED") }
    let start = DispatchTime.now()
    orFail {
        let bytes = try BoundedFile.read(args[2], limit: InputLimits.maxListBytes)
        let (verifier, signature) = try verifierAndSignature(args[3], args[4])
        let verified = try verifier.verify(bytes, signature: signature, now: now)
        print(String(format: "verify %d domains (%d bytes, in memory): serial %llu in %.3f s", verified.list.entries.count,
                     bytes.count, verified.list.serial, seconds(since: start)))
    }

case "phases":
    // Where load + verify spends its time.
    guard args.count == 4 else { fail("phases LIST SIG") }
    var t = DispatchTime.now()
    let bytes = Array(try! Data(contentsOf: URL(fileURLWithPath: args[2])))
    print(String(format: "read      %.3f s  ", seconds(since: t)) + memory())
    t = DispatchTime.now()
    let sig = try! SSHSignature(armored: try! String(contentsOfFile: args[3], encoding: .utf8))
    try! sig.verify(bytes, namespace: "preload-list")
    print(String(format: "signature %.3f s  ", seconds(since: t)) + memory())
    t = DispatchTime.now()
    let decoded = ListCodec.decode(bytes)
    print(String(format: "decode    %.3f s (%d entries)  ", seconds(since: t), decoded.list?.entries.count ?? -1) + memory())
    t = DispatchTime.now()
    _ = ListValidator.validate(decoded.list!)
    print(String(format: "validate  %.3f s (again, already part of decode)  ", seconds(since: t)) + memory())
    t = DispatchTime.now()
    let encoded = ListCodec.encode(decoded.list!)
    print(String(format: "encode    %.3f s  ", seconds(since: t)) + memory())
    t = DispatchTime.now()
    _ = try! SSHSignature.sign(encoded, namespace: "preload-list", with: try! Ed25519PrivateKey.generate())
    print(String(format: "sign      %.3f s", seconds(since: t)))
    var next = decoded.list!
    next.serial += 1
    for i in next.entries.indices where i % 3 == 0 { next.entries[i].provenance.verified = now.adding(days: 1) }
    t = DispatchTime.now()
    let diff = ListDiff(old: decoded.list!, new: next)
    print(String(format: "diff      %.3f s (%d otherwise changed)", seconds(since: t), diff.otherwiseChanged))

case "seed-state":
    guard args.count == 4 else { fail("seed-state DIR DOMAINS") }
    do {
        let names = try String(contentsOfFile: args[3], encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let rows = try names.map {
            try DomainRecord.seededListed(try DomainName($0), contact: "bench@notify.test", now: now, detail: "seeded (benchmark)")
        }
        let store = try SQLiteStateStore(directory: args[2])
        try await store.write { tx in for row in rows { try tx.save(row) } }
        print("seeded \(rows.count) listed domains into \(args[2])")
    } catch {
        fail("\(error)")
    }

default:
    fail("unknown workload \(args[1])")
}
