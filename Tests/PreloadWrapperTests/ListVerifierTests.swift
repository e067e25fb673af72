import PreloadCore
import PreloadSigning
import PreloadTesting
import Testing

/// `ListVerifier`: every refusal has its own code, and verifying while reading refuses as verifying bytes does.
/// (`preload list verify` is tested against the same cases in `IntegrationTests`.)
@Suite("List verifier") struct ListVerifierTests {
    let fixture = ListVerifyFixture()
    var t0: Timestamp { fixture.t0 }

    /// `verifier.verify(reading:…)` over `bytes` arriving in pieces of at most `piece` bytes; `offset` counts
    /// the bytes read.
    static func verify(_ verifier: ListVerifier, _ bytes: [UInt8], inPiecesOf piece: Int, signature: String,
                       now: Timestamp, read offset: inout Int) -> Result<VerifiedList, ListVerificationError> {
        Result { () throws(ListVerificationError) in
            try verifier.verify(reading: { buffer in
                let n = min(piece, buffer.count, bytes.count - offset)
                bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                offset += n
                return n
            }, signature: signature, now: now)
        }
    }

    @Test func eachRefusalHasItsOwnCode() throws {
        var seen: [IssueCode] = []
        for (name, bytes, signature, trust, minimum, now, expected) in try fixture.cases() {
            let verifier = ListVerifier(trust: trust, minimumSerial: minimum)
            do {
                let verified = try verifier.verify(bytes, signature: signature, now: now)
                #expect(expected == nil, "\(name): verified, expected \(expected!)")
                #expect(verified.list.serial == 5)
                #expect(verified.bytes == bytes)
                #expect(verified.signer.key == fixture.key.publicKey)
            } catch {
                #expect(error.code == expected, "\(name): \(error)")
                #expect(error.code.entry != nil, "\(name): \(error.code) is not in the catalogue")
                if expected != "list.signer-unknown" { seen.append(error.code) }
            }
        }
        #expect(Set(seen).count == seen.count, "codes repeat: \(seen)")
    }

    /// Lists longer than the first megabyte are read and hashed ahead on a second thread: the same verdicts,
    /// and every byte read even when the decoder stops at the start.
    @Test func longListsVerifyWhileReadAhead() throws {
        let long = ListCodec.encode(PreloadList(serial: 5, generated: t0, expires: t0.adding(days: 14), publisher: "ops@example.org",
                                                entries: try ListFixtures.entries(30_000)))
        #expect(long.count > 3 << 20)
        var tampered = long
        tampered[tampered.count - 10] ^= 0x01
        var broken = long
        broken[3] = UInt8(ascii: "@")  // a syntax error at the start of a signed file
        let now = t0.adding(days: 1)
        for (bytes, signed, expected) in [(long, long, nil), (tampered, long, "list.signature-invalid"),
                                           (broken, broken, "list.invalid")] as [([UInt8], [UInt8], IssueCode?)] {
            let signature = try fixture.sign(signed)
            for piece in [7_777, 1 << 20] {
                var offset = 0
                let outcome = Self.verify(ListVerifier(trust: .allowedSigners(fixture.signers)), bytes, inPiecesOf: piece,
                                          signature: signature, now: now, read: &offset)
                switch outcome {
                case .success(let verified):
                    #expect(expected == nil)
                    #expect(verified.list.entries.count == 30_000)
                case .failure(let error): #expect(error.code == expected, "\(error)")
                }
                #expect(offset == bytes.count)
            }
        }
    }

    /// `verify(reading:)` — the list hashed and decoded as it is read, on two threads — refuses exactly as
    /// `verify(_:)` does, whatever the size of the pieces the list arrives in.
    @Test func verifyingWhileReadingRefusesAlike() throws {
        for (name, bytes, signature, trust, minimum, now, expected) in try fixture.cases() {
            for piece in [1, 5, 4096] {
                var offset = 0
                let verifier = ListVerifier(trust: trust, minimumSerial: minimum)
                let outcome = Self.verify(verifier, bytes, inPiecesOf: piece, signature: signature, now: now, read: &offset)
                switch outcome {
                case .success(let verified):
                    #expect(expected == nil, "\(name), pieces of \(piece): verified, expected \(expected!)")
                    #expect(verified.list == (try verifier.verify(bytes, signature: signature, now: now)).list)
                    #expect(verified.bytes == nil)
                case .failure(let error):
                    #expect(error.code == expected, "\(name), pieces of \(piece): \(error)")
                }
                // Every byte was read, even when the decoder stopped early: the signature covers them all.
                if expected == nil || expected == "list.invalid" || expected == "list.signature-invalid" {
                    #expect(offset == bytes.count, "\(name), pieces of \(piece)")
                }
            }
        }
    }
}
