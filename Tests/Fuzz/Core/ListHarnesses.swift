@testable import PreloadCore

/// List format v1. A list comes back exactly when no finding is an error; it passes the validator; encoding
/// it and decoding the bytes gives the same list, and encoding again the same bytes; its format is detected
/// as v1; and, when every domain fits EFF's schema, exporting to v0.1 and importing keeps every entry's
/// policy, the aliases and the dates.
@Sendable func fuzzListV1(_ input: [UInt8]) {
    let decoding = ListCodec.decode(input)
    guard let list = decoding.list else {
        require(decoding.issues.hasErrors, "no list, but no error either: \(decoding.issues)")
        return
    }
    require(!decoding.issues.hasErrors, "a list with errors: \(decoding.issues)")
    require(!ListValidator.validate(list).hasErrors, "a decoded list fails the validator")
    require(ListCodec.detectFormat(input) == .v1, "a v1 list detected as \(String(describing: ListCodec.detectFormat(input)))")
    checkV1RoundTrip(list)
    let lint = ListCodec.lint(input)
    require(lint.isValid && lint.list == list, "lint disagrees with decode")
    require(lint.issues.contains { $0.code == .listNotCanonical } == (ListCodec.encode(list) != input),
            "lint's canonical verdict disagrees with the encoder")

    guard list.entries.allSatisfy({ EFFListConverter.fitsEFFSchema($0.domain) }) else { return }
    let exported = EFFListConverter.export(list)
    let imported = EFFListConverter.importList(exported.bytes)
    guard let back = imported.list else {
        require(false, "the v0.1 export of a valid list does not import: \(imported.issues)")
        return
    }
    require(back.generated == list.generated && back.expires == list.expires && back.publisher == list.publisher,
            "dates or publisher changed through v0.1")
    require(back.aliases == list.aliases, "aliases changed through v0.1")
    require(back.entries.map(\.domain) == list.entries.map(\.domain), "domains changed through v0.1")
    require(back.entries.map(\.policy) == list.entries.map { canonicalPolicy($0.policy) }, "policies changed through v0.1")
}

/// EFF STARTTLS Everywhere v0.1. An imported list comes back exactly when no finding is an error; it is a
/// valid v1 list that survives the v1 round trip; and exporting it back to v0.1 and importing again gives
/// the same list.
@Sendable func fuzzListEFF(_ input: [UInt8]) {
    let decoding = EFFListConverter.importList(input)
    guard let list = decoding.list else {
        require(decoding.issues.hasErrors, "no list, but no error either: \(decoding.issues)")
        return
    }
    require(!decoding.issues.hasErrors, "an imported list with errors: \(decoding.issues)")
    require(!ListValidator.validate(list).hasErrors, "an imported list fails the validator: \(ListValidator.validate(list))")
    checkV1RoundTrip(list)
    let exported = EFFListConverter.export(list)
    let again = EFFListConverter.importList(exported.bytes)
    require(again.list == canonicalList(list), "export → import changes the list: \(again.issues)")
}

private func checkV1RoundTrip(_ list: PreloadList) {
    let bytes = ListCodec.encode(list)
    let decoded = ListCodec.decode(bytes)
    require(decoded.list == canonicalList(list), "encode → decode changes the list: \(decoded.issues.prefix(3))")
    if let decodedList = decoded.list {
        require(ListCodec.encode(decodedList) == bytes, "encoding is not stable")
    }
}

/// `list` with patterns in canonical order (what the encoder writes).
private func canonicalList(_ list: PreloadList) -> PreloadList {
    var list = list
    list.aliases = list.aliases.mapValues { AliasPolicy(mode: $0.mode, mx: ListCodec.canonicalPatterns($0.mx)) }
    list.entries = list.entries.map { ListEntry(domain: $0.domain, policy: canonicalPolicy($0.policy), provenance: $0.provenance) }
    return list
}

private func canonicalPolicy(_ policy: EntryPolicy) -> EntryPolicy {
    switch policy {
    case .patterns(let mode, let mx): .patterns(mode: mode, mx: ListCodec.canonicalPatterns(mx))
    case .alias: policy
    }
}
