import COpenSSL
import PreloadCore
import PreloadOpenSSL

/// DNSSEC-validated TLSA records to evaluate during a probe's STARTTLS handshake (RFC 7672 §3), with OpenSSL's
/// own DANE support: no hand-written matching.
public struct DANERequest: Sendable, Hashable {
    /// The TLSA records of the host's validated RRset; only usable ones (DANE-TA, DANE-EE) are handed to
    /// OpenSSL, which ignores PKIX usages in any case for SMTP.
    public var records: [TLSAAssociation]
    /// Reference identifiers besides the MX host name for DANE-TA(2) name checks (RFC 7672 §3.2.2): the
    /// CNAME-expanded host name, when the host is an alias.
    public var extraNames: [String]

    /// A request.
    public init(records: [TLSAAssociation], extraNames: [String] = []) {
        self.records = records
        self.extraNames = extraNames
    }
}

/// What OpenSSL's DANE verification said about the chain the server presented.
public struct DANEVerdict: Sendable, Hashable {
    /// How the verification ended.
    public enum Outcome: Sendable, Hashable {
        /// A usable record matched (and, for DANE-TA, the chain and names checked out).
        case matched
        /// No usable record matches the chain (`X509_V_ERR_DANE_NO_MATCH`): `dane.tlsa-mismatch`.
        case noMatch
        /// A DANE-TA record matched, but the leaf names none of the reference identifiers: `dane.ta-name-mismatch`.
        case nameMismatch
        /// OpenSSL accepted none of the records (all unusable or malformed): nothing was evaluated.
        case noUsableRecords
        /// Another verification failure, with OpenSSL's text.
        case failed(String)
    }

    /// The outcome.
    public var outcome: Outcome
    /// The depth of the certificate that matched: 0 for the leaf (DANE-EE), 1 or more for a trust anchor.
    public var matchedDepth: Int?
    /// The record that matched (`SSL_get0_dane_tlsa`).
    public var matchedRecord: TLSAAssociation?
    /// How many of the request's records OpenSSL took (usable ones).
    public var recordsUsed: Int
}

/// DANE on one probe's `SSL` (`SSL_dane_enable`, `SSL_dane_tlsa_add`, `SSL_get0_dane_authority`,
/// `SSL_get0_dane_tlsa`). The probe's handshake never aborts on a verification failure (verify mode none);
/// with DANE enabled, `SSL_get_verify_result` is DANE's verdict, and the Web-PKI verdict stays the inspector's
/// own chain verification, so both are reported side by side.
enum DANEHandshake {
    /// Enables DANE on `ssl` for `host` with the usable records of `request`; returns how many OpenSSL took.
    static func configure(_ ssl: OpaquePointer, host: String, request: DANERequest) throws(OpenSSLError) -> Int {
        OpenSSLError.clearQueue()
        guard SSL_dane_enable(ssl, host) > 0 else { throw OpenSSLError.capture("SSL_dane_enable") }
        // DANE-EE checks no names (RFC 7672 §3.1.1); DANE-TA checks the reference identifiers (§3.2.2).
        _ = SSL_dane_set_flags(ssl, UInt(DANE_FLAG_NO_DANE_EE_NAMECHECKS))
        for name in request.extraNames where SSL_add1_host(ssl, name) != 1 {
            throw OpenSSLError.capture("SSL_add1_host \(name)")
        }
        var used = 0
        for record in request.records where record.isUsableForSMTP {
            let added = record.data.withUnsafeBufferPointer {
                SSL_dane_tlsa_add(ssl, record.usageValue, record.selectorValue, record.matchingTypeValue,
                                  $0.baseAddress, $0.count)
            }
            if added > 0 { used += 1 }  // 0: unusable, -1: malformed; either way OpenSSL ignores the record
        }
        OpenSSLError.clearQueue()
        return used
    }

    /// The verdict after the handshake on `ssl`, configured by ``configure(_:host:request:)``.
    static func verdict(_ ssl: OpaquePointer, recordsUsed: Int) -> DANEVerdict {
        guard recordsUsed > 0 else {
            return DANEVerdict(outcome: .noUsableRecords, matchedDepth: nil, matchedRecord: nil, recordsUsed: 0)
        }
        let code = Int32(SSL_get_verify_result(ssl))
        var verdict = DANEVerdict(outcome: .matched, matchedDepth: nil, matchedRecord: nil, recordsUsed: recordsUsed)
        switch code {
        case X509_V_OK:
            let depth = SSL_get0_dane_authority(ssl, nil, nil)
            if depth >= 0 { verdict.matchedDepth = Int(depth) }
            var usage: UInt8 = 0, selector: UInt8 = 0, mtype: UInt8 = 0
            var data: UnsafePointer<UInt8>?
            var length = 0
            if SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &length) >= 0, let data {
                verdict.matchedRecord = TLSAAssociation(usage: usage, selector: selector, matchingType: mtype,
                                                        data: Array(UnsafeBufferPointer(start: data, count: length)))
            }
        case X509_V_ERR_DANE_NO_MATCH:
            verdict.outcome = .noMatch
        case X509_V_ERR_HOSTNAME_MISMATCH:
            verdict.outcome = .nameMismatch
        default:
            verdict.outcome = .failed(CertificateInspector.verifyMessage(X509VerifyError(rawValue: Int(code))))
        }
        return verdict
    }
}
