import PreloadCore
import PreloadSigning

/// Lists for the list verifier's tests: entries, a time to sign them at, and every way a list can be refused.
public enum ListFixtures {
    /// The time lists are generated at.
    public static let t0 = Timestamp(rfc3339: "2026-12-01T00:00:00Z")!

    /// An entry for `domain` with MX `mx.<domain>`.
    public static func entry(_ domain: String, _ mode: ListMode = .enforce, at time: Timestamp = t0) throws -> ListEntry {
        ListEntry(domain: try DomainName(domain),
                  policy: .patterns(mode: mode, mx: [try MXPattern("mx." + domain)]),
                  provenance: Provenance(method: .manual, added: time, verified: time))
    }

    /// `count` synthetic entries.
    public static func entries(_ count: Int, prefix: String = "d") throws -> [ListEntry] {
        try (0..<count).map { try entry("\(prefix)\($0).example") }
    }
}

/// A signing key, a two-entry list (serial 5, published by `ops@example.org`, 14 days valid from
/// ``ListFixtures/t0``) and the cases of ``ListVerifier``: one that verifies, one with a pinned key, and one
/// for every refusal code.
public struct ListVerifyFixture {
    /// The key lists are signed with.
    public let key = try! Ed25519PrivateKey.generate()
    /// The time lists are generated at.
    public let t0 = ListFixtures.t0

    /// One case: a name, the list's bytes, its signature, the trust, the minimum serial and the time of the
    /// verification, and the code of the refusal (`nil`: verified).
    public typealias Case = (name: String, bytes: [UInt8], signature: String, trust: ListTrust, minimum: UInt64?,
                             now: Timestamp, expected: IssueCode?)

    public init() {}

    /// The list's canonical bytes.
    public func list(serial: UInt64 = 5, days: Int = 14) throws -> [UInt8] {
        ListCodec.encode(PreloadList(serial: serial, generated: t0, expires: t0.adding(days: days),
                                     publisher: "ops@example.org",
                                     entries: [try ListFixtures.entry("a.example"), try ListFixtures.entry("b.example", .testing)]))
    }

    /// An armoured SSH signature of `bytes` (by ``key`` unless another is given).
    public func sign(_ bytes: [UInt8], with key: Ed25519PrivateKey? = nil, namespace: String = "preload-list") throws -> String {
        try SSHSignature.sign(bytes, namespace: namespace, with: key ?? self.key).armored
    }

    /// ``key`` allowed for `ops@example.org`, for lists and git.
    public var signers: AllowedSigners {
        AllowedSigners(entries: [.init(principals: ["ops@example.org"], key: SSHPublicKey(key.publicKey),
                                       namespaces: ["preload-list", "git"])])
    }

    /// Every case, the verified ones first.
    public func cases() throws -> [Case] {
        let good = try list()
        var tampered = good
        tampered[tampered.count / 2] ^= 0x20
        let gitOnly = AllowedSigners(entries: [.init(principals: ["ops"], key: SSHPublicKey(key.publicKey), namespaces: ["git"])])
        let notJSON = Array("not a list\n".utf8)
        let now = t0.adding(days: 1)
        return [
            ("good", good, try sign(good), .allowedSigners(signers), 5, now, nil),
            ("pinned key", good, try sign(good), .key(SSHPublicKey(key.publicKey)), nil, now, nil),
            ("rolled back", good, try sign(good), .allowedSigners(signers), 6, now, "list.rollback"),
            ("expired", good, try sign(good), .allowedSigners(signers), nil, t0.adding(days: 15), "list.expired"),
            ("tampered", tampered, try sign(good), .allowedSigners(signers), nil, now, "list.signature-invalid"),
            ("foreign key", good, try sign(good, with: try Ed25519PrivateKey.generate()), .allowedSigners(signers), nil, now,
             "list.signer-unknown"),
            ("foreign pinned key", good, try sign(good), .key(SSHPublicKey(try Ed25519PrivateKey.generate().publicKey)), nil, now,
             "list.signer-unknown"),
            ("git namespace", good, try sign(good, namespace: "git"), .allowedSigners(signers), nil, now, "list.signature-namespace"),
            ("key not for lists", good, try sign(good), .allowedSigners(gitOnly), nil, now, "list.signer-not-allowed"),
            ("garbage signature", good, "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n",
             .allowedSigners(signers), nil, now, "list.signature-malformed"),
            ("not a list", notJSON, try sign(notJSON), .allowedSigners(signers), nil, now, "list.invalid"),
        ]
    }
}
