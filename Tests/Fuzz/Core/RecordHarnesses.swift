@testable import PreloadCore

// Input: a TXT RRset, one record per line (LF separates records; multi-string records are already joined).

/// `_mta-sts` TXT (RFC 8461 §3.1): the status agrees with a reference filter, a valid result carries a
/// well-formed id found in the record, and re-rendering a valid record parses to the same id and extensions.
@Sendable func fuzzSTSRecord(_ input: [UInt8]) {
    let records = pieces(input, separator: 0x0A)
    let result = STSRecordParser.parse(bytes: records)
    let tag = Array("v=STSv1".utf8)
    let ofKind = records.filter { isOfKind($0, tag) }
    checkStatus(result.status, issues: result.issues, ofKind: ofKind.count, hasValue: result.id != nil) { $0.severity == .error }
    guard result.status == .valid, let id = result.id else { return }
    require((1...32).contains(id.utf8.count) && id.utf8.allSatisfy(isAlnum), "id '\(id)' is not 1*32 ALPHA/DIGIT")
    require(fieldValues(ofKind[0], name: "id") == [id], "id '\(id)' is not the record's one id field")
    checkExtensions(result.extensions)
    let rendered = (["v=STSv1", "id=" + id] + result.extensions.map { "\($0.name)=\($0.value)" }).joined(separator: "; ")
    let again = STSRecordParser.parse([rendered])
    require(again.status == .valid && again.id == id && again.extensions == result.extensions,
            "re-rendered record '\(rendered)' parses differently: \(again)")
}

/// `_smtp._tls` TXT (RFC 8460 §3): as for MTA-STS, with the report URIs: a valid result has at least one,
/// each one usable, and re-rendering gives the same URIs back.
@Sendable func fuzzTLSRPTRecord(_ input: [UInt8]) {
    let records = pieces(input, separator: 0x0A)
    let result = TLSRPTRecordParser.parse(bytes: records)
    let tag = Array("v=TLSRPTv1".utf8)
    let ofKind = records.filter { isOfKind($0, tag) }
    // TLS-RPT is optional for senders: nothing in it blocks, an unreadable set is said by its codes.
    require(!result.issues.hasErrors, "a TLS-RPT finding is an error: \(result.issues)")
    checkStatus(result.status, issues: result.issues, ofKind: ofKind.count, hasValue: !result.rua.isEmpty) {
        $0.code == .tlsRptInvalid || $0.code == .tlsRptMultiple
    }
    guard result.status == .valid else { return }
    require(!result.rua.isEmpty, "a valid record without rua")
    for uri in result.rua {
        require(ReportURI.problem(uri) == nil, "accepted URI '\(uri)' has a problem")
        require(!uri.utf8.contains { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "!") },
                "accepted URI '\(uri)' has a byte RFC 8460 forbids")
        let lower = uri.lowercased()
        require(lower.hasPrefix("mailto:") || lower.hasPrefix("https://"), "accepted URI '\(uri)' is neither mailto: nor https:")
    }
    require(fieldValues(ofKind[0], name: "rua").count == 1, "a valid record has not exactly one rua field")
    checkExtensions(result.extensions)
    let rendered = (["v=TLSRPTv1", "rua=" + result.rua.joined(separator: ",")]
        + result.extensions.map { "\($0.name)=\($0.value)" }).joined(separator: "; ")
    let again = TLSRPTRecordParser.parse([rendered])
    require(again.status == .valid && again.rua == result.rua && again.extensions == result.extensions,
            "re-rendered record '\(rendered)' parses differently: \(again)")
}

/// The shared status rules: absent exactly when no record is of the kind; several records are invalid;
/// invalid results carry a finding that says so (`unreadable`) and no value, valid ones a value and no
/// such finding.
private func checkStatus(_ status: RecordStatus, issues: [Issue], ofKind: Int, hasValue: Bool,
                         unreadable: (Issue) -> Bool) {
    require((status == .absent) == (ofKind == 0), "status \(status) with \(ofKind) records of the kind")
    if ofKind > 1 { require(status == .invalid, "\(ofKind) records of the kind but status \(status)") }
    switch status {
    case .valid:
        require(!issues.contains(where: unreadable) && hasValue, "valid with errors or without a value: \(issues)")
    case .invalid:
        require(issues.contains(where: unreadable) && !hasValue, "invalid without an error or with a value: \(issues)")
    case .absent:
        require(!issues.isEmpty && !hasValue, "absent without a finding or with a value: \(issues)")
    }
}

private func checkExtensions(_ extensions: [RecordExtension]) {
    for e in extensions {
        let name = Array(e.name.utf8)
        require((1...32).contains(name.count) && isAlnum(name[0])
                    && name.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") },
                "extension name '\(e.name)' breaks the grammar")
        require(!e.value.isEmpty && e.value.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: ";") },
                "extension value '\(e.value)' breaks the grammar")
    }
}

/// Reference filter: the record starts with the tag, followed by nothing, `;`, space or tab.
private func isOfKind(_ record: [UInt8], _ tag: [UInt8]) -> Bool {
    guard record.starts(with: tag) else { return false }
    guard record.count > tag.count else { return true }
    return [UInt8(ascii: ";"), 0x20, 0x09].contains(record[tag.count])
}

/// Reference field reader: the values of every `name=…` field of a `;`-separated record.
private func fieldValues(_ record: [UInt8], name: String) -> [String] {
    let prefix = Array((name + "=").utf8)
    return record.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).compactMap { field in
        let trimmed = Array(field.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed())
        return trimmed.starts(with: prefix) ? String(decoding: trimmed.dropFirst(prefix.count), as: UTF8.self) : nil
    }
}
