import PreloadCore
@testable import PreloadSigning

/// Armoured SSH signatures (`.sig` files). A parsed signature writes out in a form that parses to the same
/// signature, and so does its binary blob; verification never accepts it for another namespace or for a
/// changed message.
@Sendable func fuzzSSHSigArmored(_ input: [UInt8]) {
    guard let signature = try? SSHSignature(armored: String(decoding: input, as: UTF8.self)) else { return }
    require(input.count <= SSHSignature.maximumArmoredSize * 4, "a signature parsed from \(input.count) bytes")
    require((try? SSHSignature(armored: signature.armored)) == signature, "the armoured form does not parse back")
    checkSignature(signature)
}

/// Binary SSHSIG blobs. As above; the blob written back is never longer than the input (parsing keeps
/// nothing it would not write).
@Sendable func fuzzSSHSigBlob(_ input: [UInt8]) {
    guard let signature = try? SSHSignature(blob: input) else { return }
    require(signature.blob.count <= input.count, "blob grew from \(input.count) to \(signature.blob.count) bytes")
    checkSignature(signature)
}

private func checkSignature(_ signature: SSHSignature) {
    require((try? SSHSignature(blob: signature.blob)) == signature, "the blob does not parse back")
    require(signature.signature.count == 64, "an Ed25519 signature of \(signature.signature.count) bytes")
    require(["sha512", "sha256"].contains(signature.hashAlgorithm), "hash algorithm \(signature.hashAlgorithm)")
    let other = signature.namespace == "git" ? "preload-list" : "git"
    do {
        try signature.verify(seedMessage, namespace: other)
        require(false, "a signature for namespace '\(signature.namespace)' verified for '\(other)'")
    } catch {
        require(error == .signatureNamespaceMismatch(expected: other, found: signature.namespace), "wrong error \(error)")
    }
    if (try? signature.verify(seedMessage, namespace: signature.namespace)) != nil {
        require((try? signature.verify(seedMessage + [0], namespace: signature.namespace)) == nil,
                "a signature verified for two different messages")
    }
}

/// Allowed-signers files. Input: a namespace on the first line, the file after it. A parsed file answers
/// `decision` as a reference reading of its entries does, with namespace patterns matched by a reference
/// glob matcher; and an entry with plain principals writes out as a line that parses to the same entry.
@Sendable func fuzzAllowedSigners(_ input: [UInt8]) {
    let newline = input.firstIndex(of: 0x0A) ?? input.count
    let namespace = String(decoding: input[..<newline], as: UTF8.self)
    let text = String(decoding: input[min(newline + 1, input.count)...], as: UTF8.self)
    guard let signers = try? AllowedSigners(parsing: text) else { return }
    let now = Timestamp(secondsSince1970: 1_780_000_000)
    for entry in signers.entries {
        if let patterns = entry.namespaces {
            let expected = referencePatternList(namespace, patterns)
            require(AllowedSigners.matchPatternList(namespace, patterns) == expected,
                    "namespace '\(namespace)' against \(patterns): expected \(expected)")
        }
        let forKey = signers.entries.filter { $0.key.key == entry.key.key }
        let allowed = forKey.filter { e in
            (e.namespaces.map { referencePatternList(namespace, $0) } ?? true)
                && (e.validAfter.map { now >= $0 } ?? true) && (e.validBefore.map { now <= $0 } ?? true)
        }
        let decision = signers.decision(for: entry.key.key, namespace: namespace, at: now)
        if case .allowed(let principals) = decision {
            require(!allowed.isEmpty && Set(principals) == Set(allowed.flatMap(\.principals)), "allowed as \(principals)")
        } else {
            require(allowed.isEmpty, "\(decision) although line \(allowed.first!.line) allows it")
        }
        let plain = entry.principals.allSatisfy { p in
            !p.hasPrefix("#") && !p.utf8.contains { $0 == 0x20 || $0 == 0x09 || $0 == 0x22 || $0 == 0x0D }
        }
        if plain, !entry.principals[0].hasPrefix("#") {
            let again = try? AllowedSigners(parsing: entry.fileLine)
            require(again?.entries.count == 1, "line '\(entry.fileLine)' does not parse back to one entry")
            var back = again!.entries[0]
            back.line = entry.line
            require(back == entry, "line '\(entry.fileLine)' parses to \(back), not \(entry)")
        }
    }
}

/// OpenSSH `match_pattern_list` semantics, by dynamic programming over (pattern, text) positions.
private func referencePatternList(_ value: String, _ patterns: [String]) -> Bool {
    var matched = false
    for pattern in patterns {
        let negated = pattern.hasPrefix("!")
        if referenceGlob(Array(value.utf8), Array((negated ? String(pattern.dropFirst()) : pattern).utf8)) {
            if negated { return false }
            matched = true
        }
    }
    return matched
}

private func referenceGlob(_ s: [UInt8], _ p: [UInt8]) -> Bool {
    // row[j]: does p[..<i] match s[..<j]?
    var row = [Bool](repeating: false, count: s.count + 1)
    row[0] = true
    for c in p {
        var next = [Bool](repeating: false, count: s.count + 1)
        if c == UInt8(ascii: "*") {
            var any = false
            for j in 0...s.count {
                any = any || row[j]
                next[j] = any
            }
        } else {
            for j in 0..<s.count where row[j] && (c == UInt8(ascii: "?") || c == s[j]) { next[j + 1] = true }
        }
        row = next
    }
    return row[s.count]
}
