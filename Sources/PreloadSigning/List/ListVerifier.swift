import PreloadCore

/// The keys a list may be signed with.
public enum ListTrust: Hashable, Sendable {
    /// An OpenSSH allowed-signers file (the publisher's `list/allowed_signers`): the key must be listed for
    /// namespace `preload-list` at the verification time.
    case allowedSigners(AllowedSigners)
    /// One pinned key (a `.pub` file).
    case key(SSHPublicKey)
}

/// Why a list was refused. Each case has its own issue code (``code``) and message.
public enum ListVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The signature file is not a readable SSH signature.
    case signatureMalformed(String)
    /// The signature was made for another namespace.
    case wrongNamespace(found: String)
    /// The signature does not match the list bytes (the list or the signature was changed).
    case signatureInvalid(signer: String)
    /// The signing key is not trusted at all.
    case signerUnknown(fingerprint: String)
    /// The signing key is listed, but not for `preload-list` or not at this time.
    case signerNotAllowed(fingerprint: String, reason: String)
    /// The list does not follow format v1 (schema or semantic rules).
    case formatInvalid([Issue])
    /// The list expired before the verification time.
    case expired(expires: Timestamp, now: Timestamp)
    /// The serial is below the minimum (an older list replayed).
    case rollback(serial: UInt64, minimum: UInt64)

    /// The stable issue code of this refusal.
    public var code: IssueCode {
        switch self {
        case .signatureMalformed: .listSignatureMalformed
        case .wrongNamespace: .listSignatureNamespace
        case .signatureInvalid: .listSignatureInvalid
        case .signerUnknown: .listSignerUnknown
        case .signerNotAllowed: .listSignerNotAllowed
        case .formatInvalid: .listInvalid
        case .expired: .listExpired
        case .rollback: .listRollback
        }
    }

    /// The refusal as findings (several for a list with many format errors).
    public var issues: [Issue] {
        if case .formatInvalid(let issues) = self { return issues }
        return [Issue(code, .error, description)]
    }

    public var description: String {
        switch self {
        case .signatureMalformed(let why): "the signature file is unreadable: \(why)"
        case .wrongNamespace(let found):
            "the signature was made for namespace '\(found)', not '\(ListVerifier.namespace)'"
        case .signatureInvalid(let signer):
            "the signature by \(signer) does not match the list: the list or its signature was modified"
        case .signerUnknown(let fp): "the list is signed by \(fp), which is not an allowed signer"
        case .signerNotAllowed(let fp, let reason): "the signing key \(fp) is not allowed: \(reason)"
        case .formatInvalid(let issues):
            "the list is not a valid v1 list: " + issues.filter { $0.severity == .error }.prefix(5)
                .map { "\($0.subject ?? "$"): \($0.message)" }.joined(separator: "; ")
        case .expired(let expires, let now): "the list expired at \(expires) (now \(now))"
        case .rollback(let serial, let minimum):
            "the list's serial \(serial) is lower than \(minimum), already seen: refusing a rollback"
        }
    }
}

/// A list whose signature, signer, format, expiry and serial have been checked. Only ``ListVerifier``
/// makes one: holding a `VerifiedList` is the proof.
public struct VerifiedList: Sendable {
    /// The decoded list.
    public let list: PreloadList
    /// The exact bytes that were verified (what a client caches); `nil` when the list was verified as it
    /// was read (``ListVerifier/verify(reading:signature:now:)``), which never holds the whole file.
    public let bytes: [UInt8]?
    /// The key that signed the list.
    public let signer: SSHPublicKey
    /// The allowed-signers principals of that key (empty for a pinned key).
    public let principals: [String]
    /// Warnings about the list that do not block it (format warnings).
    public let warnings: [Issue]

    fileprivate init(list: PreloadList, bytes: [UInt8]?, signer: SSHPublicKey, principals: [String], warnings: [Issue]) {
        self.list = list
        self.bytes = bytes
        self.signer = signer
        self.principals = principals
        self.warnings = warnings
    }
}

/// Turns list bytes and an armoured SSH signature into a ``VerifiedList``, or refuses with one
/// ``ListVerificationError``. Checks, in order: the signature is readable; it was made for
/// `preload-list`; the key is trusted at `now`; the signature matches the bytes; the bytes are a valid v1
/// list; it has not expired at `now`; its serial is at least ``minimumSerial``. Pure apart from the
/// OpenSSL calls: no I/O, time is an input.
public struct ListVerifier: Sendable {
    /// The SSH signature namespace of preload lists.
    public static let namespace = "preload-list"

    /// Who may sign.
    public var trust: ListTrust
    /// The lowest acceptable serial (the last one seen), if any.
    public var minimumSerial: UInt64?
    /// Whether an expired list is refused. The publisher turns this off to read the committed list, which
    /// may well have expired since it was published.
    public var refusesExpired: Bool

    /// A verifier for `trust`, refusing serials below `minimumSerial` and expired lists.
    public init(trust: ListTrust, minimumSerial: UInt64? = nil, refusesExpired: Bool = true) {
        self.trust = trust
        self.minimumSerial = minimumSerial
        self.refusesExpired = refusesExpired
    }

    /// Verifies `bytes` against the armoured `signature` at time `now`.
    public func verify(_ bytes: [UInt8], signature: String, now: Timestamp) throws(ListVerificationError) -> VerifiedList {
        let (sig, signer, principals) = try trustedSignature(signature, now: now)
        // The signature (SHA-512 of the list) is checked on a second thread while this one decodes; its
        // verdict still comes first.
        let check: @Sendable () -> Bool = { (try? sig.verify(bytes, namespace: Self.namespace)) != nil }
        let checked = bytes.count < 1 << 20 ? (check(), ListCodec.decode(bytes))  // not worth a thread
            : Concurrently.run(check, alongside: { ListCodec.decode(bytes) })
        guard checked.0 else { throw .signatureInvalid(signer: signer.fingerprint) }
        return try accept(checked.1, bytes: bytes, signer: signer, principals: principals, now: now)
    }

    /// Verifies a list read piece by piece — a file, read a megabyte at a time — with the same checks and
    /// refusals as ``verify(_:signature:now:)``. Each piece is hashed and decoded as it arrives, so the
    /// list is read once and never held whole in memory. `read` fills the buffer it is given and returns
    /// how many bytes it wrote, 0 at the end of the list (a caller whose read fails returns 0 and reports
    /// its own error, which comes before whatever this throws).
    public func verify(reading read: (UnsafeMutableRawBufferPointer) -> Int, signature: String, now: Timestamp)
        throws(ListVerificationError) -> VerifiedList
    {
        let (sig, signer, principals) = try trustedSignature(signature, now: now)
        let digest: DigestStream
        do {
            digest = try sig.messageDigest()
        } catch {
            throw .signatureMalformed("\(error)")
        }
        // The first megabyte is read here: a list that ends within it is decoded on this thread. A longer one
        // is read and hashed ahead by a second thread while this one decodes. Either way every byte is
        // hashed, even when the decoder stops early (at a syntax error): the signature covers the whole file.
        let first = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { first.deallocate() }
        var filled = 0
        var atEnd = false
        while filled < first.count {
            let n = read(UnsafeMutableRawBufferPointer(rebasing: first[filled...]))
            if n <= 0 {
                atEnd = true
                break
            }
            filled += n
        }
        var replayed = 0
        let replay = { (buffer: UnsafeMutableRawBufferPointer) -> Int in
            guard replayed == filled else {
                let n = min(buffer.count, filled - replayed)
                buffer.baseAddress!.copyMemory(from: first.baseAddress! + replayed, byteCount: n)
                replayed += n
                return n
            }
            return atEnd ? 0 : read(buffer)
        }
        let decoded: ListDecoding
        if atEnd {
            digest.update(UnsafeRawBufferPointer(rebasing: first[0..<filled]))
            decoded = ListCodec.decode(reading: replay)
        } else {
            decoded = ReadAhead.run(read: replay, digest: digest.update) { take in ListCodec.decode(reading: take) }
        }
        do {
            try sig.verify(messageDigest: try digest.finish(), namespace: Self.namespace)
        } catch {
            throw .signatureInvalid(signer: signer.fingerprint)
        }
        return try accept(decoded, bytes: nil, signer: signer, principals: principals, now: now)
    }

    /// The parsed signature, if it is for `preload-list` and its key is trusted at `now`.
    private func trustedSignature(_ signature: String, now: Timestamp) throws(ListVerificationError)
        -> (SSHSignature, SSHPublicKey, [String])
    {
        let sig: SSHSignature
        do {
            sig = try SSHSignature(armored: signature)
        } catch {
            throw .signatureMalformed("\(error)")
        }
        guard sig.namespace == Self.namespace else { throw .wrongNamespace(found: sig.namespace) }
        let signer = SSHPublicKey(sig.publicKey)
        switch trust {
        case .key(let pinned):
            guard pinned.key == sig.publicKey else { throw .signerUnknown(fingerprint: signer.fingerprint) }
            return (sig, signer, [])
        case .allowedSigners(let file):
            switch file.decision(for: sig.publicKey, namespace: Self.namespace, at: now) {
            case .allowed(let names): return (sig, signer, names)
            case .unknownKey: throw .signerUnknown(fingerprint: signer.fingerprint)
            case .namespaceNotAllowed:
                throw .signerNotAllowed(fingerprint: signer.fingerprint, reason: "not listed for namespace '\(Self.namespace)'")
            case .notYetValid(let after):
                throw .signerNotAllowed(fingerprint: signer.fingerprint, reason: "valid only after \(after)")
            case .expired(let before):
                throw .signerNotAllowed(fingerprint: signer.fingerprint, reason: "valid only until \(before)")
            }
        }
    }

    /// The checks after the signature: format, expiry, serial.
    private func accept(_ decoded: ListDecoding, bytes: [UInt8]?, signer: SSHPublicKey, principals: [String],
                        now: Timestamp) throws(ListVerificationError) -> VerifiedList
    {
        guard let list = decoded.list else { throw .formatInvalid(decoded.issues) }
        if refusesExpired, list.expires <= now { throw .expired(expires: list.expires, now: now) }
        if let minimumSerial, list.serial < minimumSerial { throw .rollback(serial: list.serial, minimum: minimumSerial) }
        return VerifiedList(list: list, bytes: bytes, signer: signer, principals: principals,
                            warnings: decoded.issues.filter { $0.severity != .error })
    }
}
