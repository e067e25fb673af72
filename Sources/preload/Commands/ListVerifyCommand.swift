import ArgumentParser
import Foundation
import PreloadClient
import PreloadCore
import PreloadSigning

/// `preload list verify`: check a list's signature, signer, format, expiry and serial.
struct ListVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed preload list: signature, signer, format, expiry and serial.",
        discussion: """
            The signature is FILE.sig (or --signature), an SSH signature with namespace preload-list; the same \
            check as `ssh-keygen -Y verify -f ALLOWED_SIGNERS -I IDENTITY -n preload-list -s FILE.sig`. The \
            time is now, or PRELOAD_NOW when set. The list is hashed and decoded as it is read, never held \
            whole in memory. Only regular files are read: a list above 256 MiB is refused as list.too-large \
            and a signature above 64 KiB as list.signature-malformed, before either is read.

            Exit codes: 0 verified; 1 refused (each reason has its own code: list.signature-invalid, \
            list.signer-unknown, list.signer-not-allowed, list.signature-namespace, list.signature-malformed, \
            list.invalid, list.expired, list.rollback, list.too-large); 64 usage (including a file that cannot \
            be read or is not a regular file, such as a FIFO or a device).
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
        // The list is hashed and decoded as it is read, never held whole (`ListVerifier.verify(reading:)`).
        let outcome: Result<VerifiedList, Refusal>
        do {
            let sigText = String(decoding: try InputFile.read(signaturePath, limit: InputLimits.maxSignatureBytes), as: UTF8.self)
            let list = try InputFile.open(file, limit: InputLimits.maxListBytes)
            let verifier = ListVerifier(trust: trust, minimumSerial: minSerial)
            let result = Result { () throws(ListVerificationError) in
                try verifier.verify(reading: list.read(into:), signature: sigText, now: now)
            }
            // A read that failed half-way explains whatever the verifier made of the truncated list.
            if let failure = list.failure { throw InputFile.exit(failure) }
            outcome = result.mapError { Refusal(code: $0.code, issues: $0.issues, description: "\($0)") }
        } catch let tooLarge as InputTooLarge {
            let code: IssueCode = tooLarge.failure.path == signaturePath ? .listSignatureMalformed : .listTooLarge
            outcome = .failure(Refusal(code: code, issues: [tooLarge.issue(code)], description: tooLarge.description))
        }
        switch outcome {
        case .success(let verified):
            let list = verified.list
            var enforce = 0  // counted in place: a filtered copy of a million entries is 64 MB
            for entry in list.entries where list.resolvedPolicy(of: entry)?.mode == .enforce { enforce += 1 }
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
            KeptUntilExit.keep(verified)
        case .failure(let refusal):
            switch output.format {
            case .json:
                try Console.printJSON(Report(valid: false, file: file, code: refusal.code.rawValue, issues: refusal.issues))
            case .text:
                Console.err("\(Console.color("refused", "31")) \(file) [\(refusal.code)]: \(refusal.description)")
            }
            throw Exit.blocked
        }
    }

    /// Why the list was refused: a verification refusal, or an input above its cap.
    struct Refusal: Error {
        var code: IssueCode
        var issues: [Issue]
        var description: String
    }
}
