import ArgumentParser
import PreloadSigning

/// `preload keygen`: a new Ed25519 signing key for lists and list commits.
struct KeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 signing key (PKCS#8 PEM, mode 0600) and its OpenSSH public key (FILE.pub).",
        discussion: """
            Never overwrites: if FILE or FILE.pub exists, nothing is written. Add the public key to \
            list/allowed_signers (namespaces="preload-list,git") in a reviewed commit before signing with it.

            Exit codes: 0 created; 1 refused (a file exists) or failed.
            """)

    @Option(name: .long, help: "Private key file to create; the public key goes to FILE.pub.")
    var out: String

    @Option(name: .long, help: "Comment for the public key line.")
    var comment: String = "preload-list"

    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            let key = try Ed25519PrivateKey.generate()
            try KeyFiles.writeNewKeyPair(key, comment: comment, to: out)
            let pub = SSHPublicKey(key.publicKey, comment: comment)
            try Console.print(KeygenOutput(privateKey: out, publicKey: out + ".pub", publicKeyLine: pub.openSSHLine,
                                           fingerprint: pub.fingerprint), output.format)
        } catch {
            Console.err("preload keygen: \(error)")
            throw Exit.blocked
        }
    }
}
