import PreloadCore
import PreloadSigning
import PreloadTesting
import Testing

/// The allowed-signers parser and its "may this key sign?" query.
@Suite("Signing: allowed signers") struct AllowedSignersTests {
    let a = SSHPublicKey(try! Ed25519PrivateKey.generate().publicKey)
    let b = SSHPublicKey(try! Ed25519PrivateKey.generate().publicKey)
    let t = Timestamp(rfc3339: "2026-12-01T12:00:00Z")!

    @Test func parsesPrincipalsOptionsAndComments() throws {
        let text = """
            # the list's signers
            ops@example.org,backup@example.org namespaces="preload-list,git" \(a.openSSHLine) first key

            "quoted@example.org" valid-after="20261101",valid-before="20261231235959Z" \(b.openSSHLine)
            ca@example.org cert-authority \(a.openSSHLine)
            rsa@example.org ssh-rsa AAAAB3NzaC1yc2E=
            """
        let file = try AllowedSigners(parsing: text)
        #expect(file.entries.count == 2)
        #expect(file.entries[0].principals == ["ops@example.org", "backup@example.org"])
        #expect(file.entries[0].namespaces == ["preload-list", "git"])
        #expect(file.entries[0].key.comment == "first key")
        #expect(file.entries[0].line == 2)
        #expect(file.entries[1].principals == ["quoted@example.org"])
        #expect(file.entries[1].namespaces == nil)
        #expect(file.entries[1].validAfter == Timestamp(rfc3339: "2026-11-01T00:00:00Z"))
        #expect(file.entries[1].validBefore == Timestamp(rfc3339: "2026-12-31T23:59:59Z"))
        #expect(file.skipped.map(\.line) == [5, 6])
    }

    @Test func decisions() throws {
        let file = try AllowedSigners(parsing: """
            ops@example.org namespaces="preload-list" \(a.openSSHLine)
            new@example.org namespaces="git,!preload-*",valid-after="20261201Z",valid-before="20261202Z" \(b.openSSHLine)
            """)
        #expect(file.decision(for: a.key, namespace: "preload-list", at: t) == .allowed(principals: ["ops@example.org"]))
        #expect(file.decision(for: a.key, namespace: "git", at: t) == .namespaceNotAllowed)
        #expect(file.decision(for: b.key, namespace: "preload-list", at: t) == .namespaceNotAllowed)
        #expect(file.decision(for: b.key, namespace: "git", at: t) == .allowed(principals: ["new@example.org"]))
        #expect(file.decision(for: b.key, namespace: "git", at: t.adding(days: -1))
            == .notYetValid(validAfter: Timestamp(rfc3339: "2026-12-01T00:00:00Z")!))
        #expect(file.decision(for: b.key, namespace: "git", at: t.adding(days: 1))
            == .expired(validBefore: Timestamp(rfc3339: "2026-12-02T00:00:00Z")!))
        let other = try Ed25519PrivateKey.generate().publicKey
        #expect(file.decision(for: other, namespace: "preload-list", at: t) == .unknownKey)
        #expect(!file.allows(other, namespace: "git", at: t))
    }

    @Test(arguments: [
        "ops@example.org",                                         // no key
        "ops@example.org bogus-option ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJt1pjEAHbYFwtlnY+u7HIhVj/8g5/SazpJVN+HwO5wd",            // unknown option
        "ops@example.org namespaces=\"a ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJt1pjEAHbYFwtlnY+u7HIhVj/8g5/SazpJVN+HwO5wd",          // unterminated quote
        "ops@example.org valid-after=\"2026\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJt1pjEAHbYFwtlnY+u7HIhVj/8g5/SazpJVN+HwO5wd",    // bad time
        "ops@example.org valid-after=20260101 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJt1pjEAHbYFwtlnY+u7HIhVj/8g5/SazpJVN+HwO5wd",    // unquoted value (OpenSSH rejects it)
        "ops@example.org namespaces=\"git\" valid-after=\"20260101\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJt1pjEAHbYFwtlnY+u7HIhVj/8g5/SazpJVN+HwO5wd",  // options split by a space
        ",x ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJt1pjEAHbYFwtlnY+u7HIhVj/8g5/SazpJVN+HwO5wd",  // empty principal
        "x ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",                       // truncated key
    ])
    func malformedLinesInvalidateTheFile(line: String) {
        #expect(throws: SigningError.self) { try AllowedSigners(parsing: "# ok\n" + line + "\n") }
    }

    @Test func theWellFormedVariantsParse() throws {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJt1pjEAHbYFwtlnY+u7HIhVj/8g5/SazpJVN+HwO5wd"
        let file = try AllowedSigners(parsing: """
            ops@example.org valid-after="20260101" \(key)
            ops@example.org namespaces="git",valid-after="20260101" \(key)
            """)
        #expect(file.entries.count == 2)
    }

    /// A `namespaces=` pattern with many stars is decided at once. The recursive matcher backtracked into
    /// every star: 24 stars took 43 s per verification, and these 40 would take longer than anyone waits
    /// (the time limit turns that into a failure instead of a hang).
    @Test(.timeLimit(.minutes(1))) func starryNamespacePatternsAreDecidedAtOnce() throws {
        let pattern = String(repeating: "*a", count: 40) + "*b"
        let file = try AllowedSigners(parsing: "ops@example.org namespaces=\"\(pattern)\" \(a.openSSHLine)")
        let noB = String(repeating: "a", count: 80)
        #expect(file.decision(for: a.key, namespace: noB, at: t) == .namespaceNotAllowed)
        #expect(file.decision(for: a.key, namespace: noB + "b", at: t) == .allowed(principals: ["ops@example.org"]))
        #expect(file.decision(for: a.key, namespace: String(repeating: "a", count: 39) + "b", at: t) == .namespaceNotAllowed)
    }

    /// The matcher agrees with a plain dynamic-programming glob on every short pattern and name over a small
    /// alphabet (`*` any run, `?` one byte, case-sensitive, `!` negation wins).
    @Test func namespaceGlobsAgreeWithAReferenceMatcher() throws {
        func reference(_ s: [Character], _ p: [Character]) -> Bool {
            // m[i][j]: s[i...] matches p[j...]
            var m = Array(repeating: Array(repeating: false, count: p.count + 1), count: s.count + 1)
            m[s.count][p.count] = true
            for i in stride(from: s.count, through: 0, by: -1) {
                for j in stride(from: p.count - 1, through: 0, by: -1) {
                    if p[j] == "*" {
                        m[i][j] = m[i][j + 1] || (i < s.count && m[i + 1][j])
                    } else {
                        m[i][j] = i < s.count && (p[j] == "?" || p[j] == s[i]) && m[i + 1][j + 1]
                    }
                }
            }
            return m[0][0]
        }
        var rng = SeededGenerator(seed: 0x51_6E_E4)
        let alphabet: [Character] = ["a", "b", "A", "*", "?"]
        var names: [String] = ["", "git"]
        for n in 1...6 { for _ in 0..<6 { names.append(String((0..<n).map { _ in ["a", "b", "A"].randomElement(using: &rng)! })) } }
        var agreed = 0
        for _ in 0..<300 {
            let pattern = String((0..<Int.random(in: 1...7, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let negated = Bool.random(using: &rng)
            let option = negated ? "\"git,!\(pattern)\"" : "\"\(pattern)\""
            let file = try AllowedSigners(parsing: "ops@example.org namespaces=\(option) \(a.openSSHLine)")
            for name in names where !name.isEmpty {
                let matches = reference(Array(name), Array(pattern))
                let expected = negated ? (name == "git" && !matches) : matches
                let allowed = file.allows(a.key, namespace: name, at: t)
                #expect(allowed == expected, "pattern \(option), namespace \(name)")
                if allowed == expected { agreed += 1 }
            }
        }
        #expect(agreed > 1000)
    }
}
