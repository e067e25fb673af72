/// `preload keygen`: the files written and the public key's line and fingerprint.
struct KeygenOutput: CommandResult, Encodable {
    let privateKey: String
    let publicKey: String
    let publicKeyLine: String
    let fingerprint: String

    var json: KeygenOutput { self }

    var text: TextOutput {
        TextOutput(out: [
            "created \(privateKey) (private, mode 0600) and \(publicKey)",
            "fingerprint \(fingerprint)",
            "allowed_signers line: IDENTITY namespaces=\"preload-list,git\" \(publicKeyLine)",
        ])
    }
}
