import PreloadCore
import PreloadSigning
import Testing

/// Ed25519 keys in PKCS#8 and the SSH signature format, without files or other programs.
@Suite("Signing: keys and signature format") struct SigningFormatTests {
    @Test func privateKeyRoundTripsThroughPKCS8PEM() throws {
        let key = try Ed25519PrivateKey.generate()
        let pem = try key.pkcs8PEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let back = try Ed25519PrivateKey(pkcs8PEM: pem)
        #expect(back.rawRepresentation == key.rawRepresentation)
        #expect(back.publicKey == key.publicKey)
    }

    @Test func armourRoundTripsAndMalformedSignaturesAreRefused() throws {
        let key = try Ed25519PrivateKey.generate()
        let sig = try SSHSignature.sign([1, 2, 3], namespace: "preload-list", with: key)
        #expect(try SSHSignature(armored: sig.armored) == sig)
        #expect(try SSHSignature(armored: sig.armored.replacingOccurrences(of: "\n", with: "\r\n")) == sig)
        for bad in ["", "hello", sig.armored.replacingOccurrences(of: "-----END SSH SIGNATURE-----", with: ""),
                    sig.armored.replacingOccurrences(of: "U1NI", with: "U1NJ")] {
            #expect(throws: SigningError.self) { try SSHSignature(armored: bad) }
        }
        var blob = sig.blob
        blob[9] = 2  // version 2
        #expect(throws: SigningError.signatureUnsupportedVersion(2)) { try SSHSignature(blob: blob) }
        #expect(throws: SigningError.self) { try SSHSignature(blob: sig.blob + [0]) }
    }
}
