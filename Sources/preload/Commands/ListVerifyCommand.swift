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
        let outcome: Result<VerifiedList, ListVerifyOutput.Refusal>
        do {
            let sigText = String(decoding: try InputFile.read(signaturePath, limit: InputLimits.maxSignatureBytes), as: UTF8.self)
            let list = try InputFile.open(file, limit: InputLimits.maxListBytes)
            let verifier = ListVerifier(trust: trust, minimumSerial: minSerial)
            let result = Result { () throws(ListVerificationError) in
                try verifier.verify(reading: list.read(into:), signature: sigText, now: now)
            }
            // A read that failed half-way explains whatever the verifier made of the truncated list.
            if let failure = list.failure { throw InputFile.exit(failure) }
            outcome = result.mapError { ListVerifyOutput.Refusal(code: $0.code, issues: $0.issues, description: "\($0)") }
        } catch let tooLarge as InputTooLarge {
            let code: IssueCode = tooLarge.failure.path == signaturePath ? .listSignatureMalformed : .listTooLarge
            outcome = .failure(ListVerifyOutput.Refusal(code: code, issues: [tooLarge.issue(code)], description: tooLarge.description))
        }
        let result = ListVerifyOutput(file: file, outcome: outcome)
        try Console.print(result, output.format)
        switch outcome {
        case .success(let verified): KeptUntilExit.keep(verified)
        case .failure: throw Exit.blocked
        }
    }
}
