// Pure over bytes: imports only PreloadCore. A fuzzing harness compiles this file with Netstring.swift.
import PreloadCore

/// One socketmap request, `NAME KEY` (`socketmap_table(5)`), with the key normalised to a destination domain.
public struct SocketmapRequest: Hashable, Sendable {
    /// The map name Postfix was configured with (`socketmap:inet:HOST:PORT:NAME`).
    public var mapName: String
    /// The key as sent.
    public var rawKey: String
    /// What the key names.
    public var key: SocketmapKey

    /// Parses a request payload; `nil` when it has no `NAME KEY` shape (empty name or key, no space).
    public init?(payload: String) {
        self.init(payload: Array(payload.utf8))
    }

    /// Parses a request payload given as bytes (invalid UTF-8 is kept as U+FFFD in ``mapName`` and ``rawKey``).
    public init?<Bytes: RandomAccessCollection>(payload: Bytes) where Bytes.Element == UInt8, Bytes.Index == Int {
        guard let (name, key) = Self.split(payload) else { return nil }
        self.mapName = String(decoding: payload[name], as: UTF8.self)
        self.rawKey = String(decoding: payload[key], as: UTF8.self)
        self.key = SocketmapKey(normalizing: payload[key])
    }

    /// Where the map name and the key lie in a payload: split at the first space; `nil` when either is empty.
    @inlinable
    public static func split<Bytes: RandomAccessCollection>(_ payload: Bytes) -> (name: Range<Int>, key: Range<Int>)?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        guard let space = payload.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let name = payload.startIndex..<space
        let key = (space + 1)..<payload.endIndex
        guard !name.isEmpty, !key.isEmpty else { return nil }
        return (name, key)
    }
}

/// A socketmap key after normalisation.
///
/// Postfix looks up the next-hop destination: a domain (`example.com`), a verbatim next hop from the
/// transport table (`[example.com]:587`, `example.com:25`), an address literal (`[192.0.2.1]`,
/// `[ipv6:2001:db8::1]`), and, for parent-domain matching, `.example.com`. Brackets and ports are stripped,
/// case and a trailing dot are normalised; address literals and dotted parents have no policy (a subdomain
/// never inherits its parent's policy, RFC 8461 §4.1).
public enum SocketmapKey: Hashable, Sendable {
    /// A destination domain to resolve.
    case domain(DomainName)
    /// A key that names no domain with a policy; answered `NOTFOUND`. `reason` is for the log.
    case noPolicy(reason: String)

    /// Normalises `raw`.
    public init(normalizing raw: String) {
        self.init(normalizing: Array(raw.utf8))
    }

    /// Normalises a key given as bytes.
    public init<Bytes: RandomAccessCollection>(normalizing raw: Bytes) where Bytes.Element == UInt8, Bytes.Index == Int {
        var start = raw.startIndex
        var end = raw.endIndex
        if start < end, raw[start] == UInt8(ascii: "[") {
            guard let close = raw[start..<end].firstIndex(of: UInt8(ascii: "]")) else {
                self = .noPolicy(reason: "unbalanced bracket")
                return
            }
            guard close + 1 == end || Self.isPort(raw[(close + 1)..<end]) else {
                self = .noPolicy(reason: "unexpected text after the bracketed next hop")
                return
            }
            start += 1
            end = close
        } else if let colon = raw[start..<end].lastIndex(of: UInt8(ascii: ":")) {
            // `host:port` has one colon; more colons mean a bare IPv6 address.
            if raw[start..<end].firstIndex(of: UInt8(ascii: ":")) == colon, Self.isPort(raw[colon..<end]) {
                end = colon
            } else {
                self = .noPolicy(reason: "an address literal has no policy")
                return
            }
        }
        let key = raw[start..<end]
        if key.first == UInt8(ascii: ".") {
            self = .noPolicy(reason: "a parent-domain key; subdomains do not inherit a policy")
            return
        }
        if Self.hasIPv6Prefix(key) || key.contains(UInt8(ascii: ":")) {
            self = .noPolicy(reason: "an address literal has no policy")
            return
        }
        let name = String(decoding: key, as: UTF8.self)
        switch Result(catching: { () throws(DomainNameError) in try DomainName(name) }) {
        case .success(let domain): self = .domain(domain)
        case .failure(.ipLiteral): self = .noPolicy(reason: "an address literal has no policy")
        case .failure(let error): self = .noPolicy(reason: "not a domain name: \(error.code)")
        }
    }

    /// `:` followed by 1-5 ASCII digits.
    private static func isPort<Bytes: RandomAccessCollection>(_ text: Bytes) -> Bool where Bytes.Element == UInt8 {
        guard text.first == UInt8(ascii: ":") else { return false }
        let digits = text.dropFirst()
        return (1...5).contains(digits.count) && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Starts with `ipv6:`, in any case.
    private static func hasIPv6Prefix<Bytes: RandomAccessCollection>(_ key: Bytes) -> Bool where Bytes.Element == UInt8 {
        let prefix: [UInt8] = Array("ipv6:".utf8)
        guard key.count >= prefix.count else { return false }
        return zip(key.prefix(prefix.count), prefix).allSatisfy { byte, want in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == want
        }
    }
}
