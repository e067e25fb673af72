// Fuzz harnesses over the socketmap request parsers (what Postfix, or anything that can connect to the
// policy daemon, sends). Only the files of PreloadSocketmap free of SwiftNIO are compiled in.
@testable import PreloadCore
@testable import PreloadSocketmap

#if PRELOAD_FUZZ_NETSTRING
let harnesses: [String: Harness] = [
    "socketmap-request": fuzzSocketmapRequest,
    "netstring": fuzzNetstring,
]
#else
let harnesses: [String: Harness] = [
    "socketmap-request": fuzzSocketmapRequest
]
#endif

/// One request payload, `NAME KEY`. It parses exactly when a name and a key surround the first space, and
/// the key names a domain exactly when a reference normaliser (brackets and port stripped, no address
/// literals, no parent-domain keys) finds the same valid name.
@Sendable func fuzzSocketmapRequest(_ input: [UInt8]) {
    let payload = String(decoding: input, as: UTF8.self)
    let request = SocketmapRequest(payload: payload)
    let bytes = Array(payload.utf8)
    let space = bytes.firstIndex(of: 0x20)
    let shaped = space.map { $0 > 0 && $0 < bytes.count - 1 } ?? false
    require((request != nil) == shaped, "request \(String(describing: request)) for '\(payload)'")
    guard let request, let space else { return }
    require(Array(request.mapName.utf8) == Array(bytes[..<space]) && Array(request.rawKey.utf8) == Array(bytes[(space + 1)...]),
            "name and key split wrongly")
    let expected = referenceKey(Array(request.rawKey.utf8))
    switch request.key {
    case .domain(let domain):
        require(domain.value == expected, "key '\(request.rawKey)' → \(domain), reference \(String(describing: expected))")
    case .noPolicy(let reason):
        require(expected == nil, "key '\(request.rawKey)' → no policy (\(reason)), reference \(expected!)")
    }
}

/// Postfix's next-hop forms: `[host]`, `[host]:port`, `host:port`, `host`; a key with any other colon, or
/// starting with a dot, names no domain.
private func referenceKey(_ key: [UInt8]) -> String? {
    func isPort(_ b: ArraySlice<UInt8>) -> Bool {
        b.first == UInt8(ascii: ":") && (2...6).contains(b.count) && b.dropFirst().allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
    var host = key[...]
    if key.first == UInt8(ascii: "[") {
        guard let close = key.firstIndex(of: UInt8(ascii: "]")) else { return nil }
        let rest = key[(close + 1)...]
        guard rest.isEmpty || isPort(rest) else { return nil }
        host = key[1..<close]
    } else if let colon = key.firstIndex(of: UInt8(ascii: ":")) {
        guard isPort(key[colon...]) else { return nil }
        host = key[..<colon]
    }
    guard host.first != UInt8(ascii: "."), !host.contains(UInt8(ascii: ":")) else { return nil }
    return referenceDomain(Array(host))
}
