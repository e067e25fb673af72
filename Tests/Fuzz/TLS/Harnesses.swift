// Fuzz harnesses over PreloadSigning and PreloadSMTPProbe: SSH signatures and allowed-signers files (what
// `sync` and `list verify` read from a list source), SMTP replies and certificates (what the checker reads
// from MX servers).
import PreloadCore

let harnesses: [String: Harness] = [
    "sshsig-armored": fuzzSSHSigArmored,
    "sshsig-blob": fuzzSSHSigBlob,
    "allowed-signers": fuzzAllowedSigners,
    "smtp-reply": fuzzSMTPReply,
    "x509-facts": fuzzCertificate,
]

/// The message the committed seeds are signed over (namespace `preload-list`), so that the fuzzer starts
/// from signatures that verify.
let seedMessage = Array("preload fuzz seed\n".utf8)
