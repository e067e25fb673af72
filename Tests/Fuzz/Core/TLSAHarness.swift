@testable import PreloadCore

// Input: one byte choosing the form, then the record. Even: TLSA RDATA (wire form). Odd: the presentation
// form, `usage selector matching-type hex…`, as UTF-8 (invalid bytes replaced).

/// TLSA records (RFC 6698 §2): the wire parser accepts exactly what a reference check accepts; an accepted
/// record encodes back to its RDATA, its text form parses to the same record, and it is usable for SMTP
/// exactly when its usage is DANE-TA/DANE-EE with a known selector and matching type. A text record that
/// parses has the same record in wire form. An RRset of the pieces never loses a record and says
/// `dane.tlsa-unusable` exactly when nothing is usable.
@Sendable func fuzzTLSARecord(_ input: [UInt8]) {
    guard let form = input.first else { return }
    let body = Array(input.dropFirst())
    if form % 2 == 0 {
        let result = TLSARecordParser.parse(rdata: body)
        let reference = referenceTLSAMalformed(body)
        switch result {
        case .success(let record):
            require(reference == nil, "accepted \(body) that the reference refuses: \(reference ?? "")")
            check(record)
            require(record.rdata == body, "\(record) does not encode back to \(body)")
        case .failure(let refusal):
            require(reference != nil, "refused \(body) that the reference accepts: \(refusal.reason)")
            require(!refusal.reason.isEmpty && refusal.issue(owner: nil).code == .daneTlsaMalformed, "refusal without a reason")
        }
        // The RRset of the input cut into pieces at every 0xFF byte.
        let pieces = body.split(separator: 0xFF, omittingEmptySubsequences: false).map(Array.init)
        let set = TLSARRset(owner: "_25._tcp.mx.example", rdata: pieces)
        let accepted = pieces.filter { referenceTLSAMalformed($0) == nil }
        require(set.malformed.count == pieces.count - accepted.count, "malformed count \(set.malformed.count)")
        require(set.usable.count + set.ignored.count <= accepted.count, "more records than accepted pieces")
        require(Set(set.usable.map(\.rdata)) == Set(accepted.filter(referenceUsable)), "usable records differ")
        require(set.issues.contains { $0.code == .daneTlsaUnusable } == set.usable.isEmpty, "unusable finding")
    } else {
        let text = String(decoding: body, as: UTF8.self)
        guard case .success(let record) = TLSARecordParser.parse(text: text) else { return }
        check(record)
        require(referenceTLSAMalformed(record.rdata) == nil, "text '\(text)' accepted, its RDATA refused by the reference")
    }
}

private func check(_ record: TLSAAssociation) {
    guard case .success(let again) = TLSARecordParser.parse(text: record.text) else {
        fatalError("property violated: the text form '\(record.text)' of an accepted record is refused")
    }
    require(again == record, "'\(record.text)' parses to \(again)")
    guard case .success(let wire) = TLSARecordParser.parse(rdata: record.rdata) else {
        fatalError("property violated: the RDATA of an accepted record is refused")
    }
    require(wire == record, "the RDATA parses to \(wire)")
    require(record.isUsableForSMTP == referenceUsable(record.rdata), "usable \(record.isUsableForSMTP) for \(record.text)")
    require(record.isUsableForSMTP == (record.unusableReason == nil), "unusable reason disagrees")
}

/// Reference: why RFC 6698 RDATA is malformed, or `nil`. At least 4 bytes; a SHA-256 (1) digest of 32 bytes,
/// a SHA-512 (2) digest of 64; full data (0) under selector 0 or 1 one DER SEQUENCE filling the data.
func referenceTLSAMalformed(_ rdata: [UInt8]) -> String? {
    guard rdata.count >= 4 else { return "short" }
    let data = Array(rdata[3...])
    switch rdata[2] {
    case 1: return data.count == 32 ? nil : "sha-256 length"
    case 2: return data.count == 64 ? nil : "sha-512 length"
    case 0 where rdata[1] <= 1:
        // DER SEQUENCE: 0x30, then a short length (< 128) or 0x81-0x83 + big-endian length ≥ 128 without a
        // leading zero, then exactly that many bytes.
        guard data.count >= 2, data[0] == 0x30 else { return "not a sequence" }
        if data[1] < 0x80 { return Int(data[1]) + 2 == data.count ? nil : "length" }
        let n = Int(data[1]) - 0x80
        guard (1...3).contains(n), data.count >= 2 + n, data[2] != 0 else { return "length form" }
        let length = data[2..<(2 + n)].reduce(0) { $0 * 256 + Int($1) }
        return length >= 128 && 2 + n + length == data.count ? nil : "length"
    default: return nil
    }
}

/// Reference: usage 2 or 3, selector 0 or 1, matching type 0, 1 or 2 (RFC 7672 §3.1).
func referenceUsable(_ rdata: [UInt8]) -> Bool {
    rdata.count >= 3 && (rdata[0] == 2 || rdata[0] == 3) && rdata[1] <= 1 && rdata[2] <= 2
}
