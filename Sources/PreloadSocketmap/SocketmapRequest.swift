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
        guard let space = payload.firstIndex(of: " ") else { return nil }
        let name = String(payload[..<space])
        let key = String(payload[payload.index(after: space)...])
        guard !name.isEmpty, !key.isEmpty else { return nil }
        self.mapName = name
        self.rawKey = key
        self.key = SocketmapKey(normalizing: key)
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
        var key = Substring(raw)
        if key.hasPrefix("[") {
            guard let close = key.firstIndex(of: "]") else {
                self = .noPolicy(reason: "unbalanced bracket")
                return
            }
            let rest = key[key.index(after: close)...]
            guard rest.isEmpty || Self.isPort(rest) else {
                self = .noPolicy(reason: "unexpected text after the bracketed next hop")
                return
            }
            key = key[key.index(after: key.startIndex)..<close]
        } else if let colon = key.lastIndex(of: ":") {
            // `host:port` has one colon; more colons mean a bare IPv6 address.
            if key.firstIndex(of: ":") == colon, Self.isPort(key[colon...]) {
                key = key[..<colon]
            } else {
                self = .noPolicy(reason: "an address literal has no policy")
                return
            }
        }
        if key.hasPrefix(".") {
            self = .noPolicy(reason: "a parent-domain key; subdomains do not inherit a policy")
            return
        }
        if key.lowercased().hasPrefix("ipv6:") || key.contains(":") {
            self = .noPolicy(reason: "an address literal has no policy")
            return
        }
        let name = String(key)
        switch Result(catching: { () throws(DomainNameError) in try DomainName(name) }) {
        case .success(let domain): self = .domain(domain)
        case .failure(.ipLiteral): self = .noPolicy(reason: "an address literal has no policy")
        case .failure(let error): self = .noPolicy(reason: "not a domain name: \(error.code)")
        }
    }

    /// `:` followed by 1-5 digits.
    private static func isPort(_ text: Substring) -> Bool {
        guard text.first == ":" else { return false }
        let digits = text.dropFirst()
        return (1...5).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
