import ArgumentParser
import Foundation
import PreloadClient
import PreloadCore
import PreloadTLS

/// `preload list verify`: check a list's signature, signer, format, expiry and serial.
struct ListVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed preload list: signature, signer, format, expiry and serial.",
        discussion: """
            The signature is FILE.sig (or --signature), an SSH signature with namespace preload-list; the
            same check as `ssh-keygen -Y verify -f ALLOWED_SIGNERS -I IDENTITY -n preload-list -s FILE.sig`.
            The time is now, or PRELOAD_NOW when set.
            Exit codes: 0 verified; 1 refused (each reason has its own code: list.signature-invalid,
            list.signer-unknown, list.signer-not-allowed, list.signature-namespace, list.signature-malformed,
            list.invalid, list.expired, list.rollback); 64 usage (including an unreadable file).
            """)

    @Argument(help: "The list file.")
    var file: String = "list/preload.json"

    @Option(name: .long, help: "The signature file (default: FILE.sig).")
    var signature: String?

    @Option(name: .long, help: "An OpenSSH allowed-signers file (e.g. list/allowed_signers).")
    var allowedSigners: String?

    @Option(name: .long, help: "A pinned public key (ssh-ed25519 .pub file) instead of an allowed-signers file.")
    var key: String?

    @Option(name: .long, help: "Refuse serials below N (the last serial you accepted).")
    var minSerial: UInt64?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (allowedSigners == nil) != (key == nil) else {
            throw ValidationError("give exactly one of --allowed-signers FILE and --key FILE.pub")
        }
    }

    struct Report: Encodable {
        var valid: Bool
        var file: String
        var code: String?
        var serial: UInt64?
        var generated: Timestamp?
        var expires: Timestamp?
        var publisher: String?
        var domains: Int?
        var enforce: Int?
        var testing: Int?
        var aliases: Int?
        var signer: String?
        var principals: [String]?
        var issues: [Issue]
    }

    func run() async throws {
        let now = try CommandClock().now()
        let trust: ListTrust
        do {
            if let allowedSigners {
                trust = .allowedSigners(try KeyFiles.readAllowedSigners(allowedSigners))
            } else {
                trust = .key(try KeyFiles.readPublicKey(key!))
            }
        } catch {
            Console.err("preload list verify: \(error)")
            throw Exit.usage
        }
        let signaturePath = signature ?? file + ".sig"
        let listBytes = try InputFile.read(file, limit: 1 << 30)
        let sigText = String(decoding: try InputFile.read(signaturePath, limit: 64 * 1024), as: UTF8.self)

        let verifier = ListVerifier(trust: trust, minimumSerial: minSerial)
        let outcome = Result { () throws(ListVerificationError) in
            try verifier.verify(listBytes, signature: sigText, now: now)
        }
        switch outcome {
        case .success(let verified):
            let list = verified.list
            let enforce = list.entries.filter { list.resolvedPolicy(of: $0)?.mode == .enforce }.count
            let report = Report(
                valid: true, file: file, serial: list.serial, generated: list.generated, expires: list.expires,
                publisher: list.publisher, domains: list.entries.count, enforce: enforce,
                testing: list.entries.count - enforce, aliases: list.aliases.count,
                signer: verified.signer.fingerprint, principals: verified.principals, issues: verified.warnings)
            switch output.format {
            case .json: try Console.printJSON(report)
            case .text:
                let who = verified.principals.isEmpty ? "" : " (\(verified.principals.joined(separator: ", ")))"
                Console.out("\(Console.color("verified", "32")) \(file): serial \(list.serial), signed by \(report.signer!)\(who)")
                Console.out("generated \(list.generated), expires \(list.expires), publisher \(list.publisher)")
                Console.out("\(list.entries.count) domains (\(enforce) enforce, \(list.entries.count - enforce) testing), \(list.aliases.count) aliases")
                for w in verified.warnings { Console.out("warning \(w.code): \(w.message)") }
            }
        case .failure(let error):
            switch output.format {
            case .json:
                try Console.printJSON(Report(valid: false, file: file, code: error.code.rawValue, issues: error.issues))
            case .text:
                Console.err("\(Console.color("refused", "31")) \(file) [\(error.code)]: \(error)")
            }
            throw Exit.blocked
        }
    }
}
