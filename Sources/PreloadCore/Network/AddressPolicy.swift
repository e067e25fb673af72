/// Which IP addresses the checker may connect to.
///
/// A checker that anyone can trigger (`preload serve`) must not become a way to reach the service's own
/// machine or network (server-side request forgery): with ``publicOnly`` it refuses loopback, private
/// (RFC 1918, ULA), link-local, shared (CGNAT, RFC 6598), multicast, unspecified, documentation,
/// benchmarking and reserved ranges, and the IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms of them.
/// The checker connects only to the very address it judged (the SMTP probe is given the address; the
/// policy fetch pins the host name to the checked addresses), so a DNS answer that changes between the
/// check and the connection (DNS rebinding) changes nothing.
public struct AddressPolicy: Sendable, Hashable {
    /// Whether only public unicast addresses may be reached.
    public var publicOnly: Bool

    /// Creates a policy; see ``publicOnly``.
    public init(publicOnly: Bool) { self.publicOnly = publicOnly }

    /// Every address may be reached (the command line on the maintainer's own machine; test beds).
    public static let any = AddressPolicy(publicOnly: false)
    /// Only public unicast addresses (`preload serve` without `--allow-private-targets`).
    public static let publicOnly = AddressPolicy(publicOnly: true)

    /// `nil` when `address` may be reached, else why not (e.g. "loopback (127.0.0.0/8)"). Text that is
    /// not an IP address is refused too: the checker only ever connects to addresses.
    public func refusal(_ address: String) -> String? {
        guard publicOnly else { return nil }
        return Self.nonPublicRange(address)
    }

    /// Splits `addresses` into those that may be reached and those refused, with the reason, in order.
    public func partition(_ addresses: [String]) -> (allowed: [String], refused: [(address: String, reason: String)]) {
        var allowed: [String] = []
        var refused: [(address: String, reason: String)] = []
        for address in addresses {
            if let why = refusal(address) { refused.append((address, why)) } else { allowed.append(address) }
        }
        return (allowed, refused)
    }

    /// The non-public range `address` falls in, `nil` for a public unicast address; "not an IP address"
    /// for text that parses as neither IPv4 nor IPv6.
    public static func nonPublicRange(_ address: String) -> String? {
        if let v4 = IPv4Bytes(address) { return range(v4) }
        if let v6 = IPv6Bytes(address) { return range(v6) }
        return "not an IP address"
    }

    private static func range(_ a: IPv4Bytes) -> String? {
        let b = a.bytes
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return "unspecified or this network (0.0.0.0/8)"
        case (10, _, _): return "private (10.0.0.0/8, RFC 1918)"
        case (100, 64...127, _): return "shared address space (100.64.0.0/10, CGNAT)"
        case (127, _, _): return "loopback (127.0.0.0/8)"
        case (169, 254, _): return "link-local (169.254.0.0/16)"
        case (172, 16...31, _): return "private (172.16.0.0/12, RFC 1918)"
        case (192, 0, 0): return "IETF protocol assignments (192.0.0.0/24)"
        case (192, 0, 2): return "documentation (192.0.2.0/24)"
        case (192, 88, 99): return "6to4 relay anycast (192.88.99.0/24)"
        case (192, 168, _): return "private (192.168.0.0/16, RFC 1918)"
        case (198, 18...19, _): return "benchmarking (198.18.0.0/15)"
        case (198, 51, 100): return "documentation (198.51.100.0/24)"
        case (203, 0, 113): return "documentation (203.0.113.0/24)"
        case (224...239, _, _): return "multicast (224.0.0.0/4)"
        case (240...255, _, _): return "reserved or broadcast (240.0.0.0/4)"
        default: return nil
        }
    }

    private static func range(_ a: IPv6Bytes) -> String? {
        let b = a.bytes
        let first96Zero = b[0..<10].allSatisfy { $0 == 0 }
        if first96Zero && b[10] == 0xff && b[11] == 0xff {
            let v4 = IPv4Bytes(bytes: Array(b[12..<16]))
            return range(v4).map { "IPv4-mapped \($0)" } ?? "IPv4-mapped (::ffff:0:0/96)"
        }
        if first96Zero && b[10] == 0 && b[11] == 0 {
            if b[12..<15].allSatisfy({ $0 == 0 }) {
                if b[15] == 0 { return "unspecified (::)" }
                if b[15] == 1 { return "loopback (::1)" }
            }
            return "IPv4-compatible (::/96, deprecated)"
        }
        // NAT64 well-known prefix 64:ff9b::/96: judged by the IPv4 address it stands for.
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xff, b[3] == 0x9b, b[4..<12].allSatisfy({ $0 == 0 }) {
            return range(IPv4Bytes(bytes: Array(b[12..<16]))).map { "NAT64 of \($0)" }
        }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xff, b[3] == 0x9b, b[4] == 0, b[5] == 1 {
            return "local-use NAT64 (64:ff9b:1::/48)"
        }
        if b[0] == 0x01, b[1] == 0x00, b[2..<8].allSatisfy({ $0 == 0 }) { return "discard-only (100::/64)" }
        if b[0] == 0x20, b[1] == 0x01, b[2] < 0x02 { return "IETF protocol assignments (2001::/23)" }
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0d, b[3] == 0xb8 { return "documentation (2001:db8::/32)" }
        if b[0] == 0x20, b[1] == 0x02 {
            // 6to4: judged by the embedded IPv4 address.
            return range(IPv4Bytes(bytes: Array(b[2..<6]))).map { "6to4 of \($0)" }
        }
        if b[0] == 0x3f, b[1] == 0xff, b[2] & 0xf0 == 0 { return "documentation (3fff::/20)" }
        if b[0] & 0xfe == 0xfc { return "unique local (fc00::/7, ULA)" }
        if b[0] == 0xfe, b[1] & 0xc0 == 0x80 { return "link-local (fe80::/10)" }
        if b[0] == 0xfe, b[1] & 0xc0 == 0xc0 { return "site-local (fec0::/10, deprecated)" }
        if b[0] == 0xff { return "multicast (ff00::/8)" }
        // Only global unicast (2000::/3) is public; the rest of the space is unassigned.
        if b[0] & 0xe0 != 0x20 { return "not global unicast (outside 2000::/3)" }
        return nil
    }
}

/// The four bytes of an IPv4 address in dotted-decimal text (exactly four decimal parts, no leading zeros,
/// as inet_pton accepts).
struct IPv4Bytes {
    var bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let value = UInt8(part) else { return nil }
            out.append(value)
        }
        bytes = out
    }
}

/// The sixteen bytes of an IPv6 address in RFC 4291 text (with `::` and an embedded dotted IPv4 tail;
/// a zone index `%eth0` is refused).
struct IPv6Bytes {
    var bytes: [UInt8]

    init?(_ text: String) {
        guard text.contains(":"), !text.contains("%"), text.count <= 45 else { return nil }
        var halves: [String] = []
        if let range = text.firstRange(of: "::") {
            halves = [String(text[..<range.lowerBound]), String(text[range.upperBound...])]
            guard halves[1].firstRange(of: "::") == nil else { return nil }
        } else {
            halves = [text]
        }
        func groups(_ part: String, allowV4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            var out: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, allowV4Tail, piece.contains(".") {
                    guard let v4 = IPv4Bytes(piece) else { return nil }
                    out += v4.bytes
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                out += [UInt8(value >> 8), UInt8(value & 0xff)]
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowV4Tail: true), all.count == 16 else { return nil }
            bytes = all
        } else {
            guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
                  head.count + tail.count <= 14 else { return nil }
            bytes = head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
        }
    }
}
