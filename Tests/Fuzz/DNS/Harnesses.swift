// Fuzz harnesses over PreloadDNS: record data as DNS servers send it (through libunbound, which checks
// the message but not the RDATA of the types we read).
#if canImport(Glibc)
import Glibc
#endif
@testable import PreloadDNS
import PreloadCore

let harnesses: [String: Harness] = [
    "dns-rdata": fuzzRData
]

/// Input: one byte choosing the record type (MX, TXT, TLSA, A, AAAA), then the RDATA. Whatever decodes
/// encodes back to the same RDATA (MX names through their presentation form, addresses through their text).
@Sendable func fuzzRData(_ input: [UInt8]) {
    guard let selector = input.first else { return }
    let rdata = Array(input.dropFirst())
    switch selector % 5 {
    case 0:
        guard let mx = MXRecord(rdata: rdata) else { return }
        let wire = wireName(mx.exchange)
        require(wire != nil && [UInt8(mx.preference >> 8), UInt8(mx.preference & 0xFF)] + wire! == rdata,
                "MX '\(mx.exchange)' does not encode back to its RDATA")
        require(mx.isNull == (rdata.count == 3 && rdata[2] == 0), "null MX verdict for \(mx.exchange)")
    case 1:
        guard let txt = TXTRecord(rdata: rdata) else {
            require(!rdata.isEmpty, "empty TXT RDATA refused")
            return
        }
        require(txt.strings.flatMap { [UInt8($0.count)] + $0 } == rdata, "TXT strings do not encode back")
        require(txt.joinedBytes == txt.strings.flatMap { $0 } && txt.isASCII == txt.joinedBytes.allSatisfy { $0 < 0x80 }, "TXT join")
    case 2:
        guard let tlsa = TLSARecord(rdata: rdata) else {
            require(rdata.count < 3, "TLSA of \(rdata.count) bytes refused")
            return
        }
        require([tlsa.usage, tlsa.selector, tlsa.matchingType] + tlsa.data == rdata, "TLSA does not encode back")
        require(tlsa.dataHex.count == 2 * tlsa.data.count && tlsa.dataHex == tlsa.dataHex.lowercased(), "TLSA hex \(tlsa.dataHex)")
    case 3:
        let a = ARecord(rdata: rdata)
        require((a != nil) == (rdata.count == 4), "A of \(rdata.count) bytes")
        if let a { require(parse(a.address, family: AF_INET, count: 4) == rdata, "A \(a.address) does not read back") }
    default:
        let aaaa = AAAARecord(rdata: rdata)
        require((aaaa != nil) == (rdata.count == 16), "AAAA of \(rdata.count) bytes")
        if let aaaa {
            require(parse(aaaa.address, family: AF_INET6, count: 16) == rdata, "AAAA \(aaaa.address) does not read back")
            // glibc writes IPv4-compatible addresses (::a.b.c.d, deprecated by RFC 4291) in mixed notation.
            let ipv4Compatible = rdata[0..<12].allSatisfy { $0 == 0 } && (rdata[12] != 0 || rdata[13] != 0)
            if !ipv4Compatible {
                require(aaaa.address == canonicalIPv6(rdata), "AAAA \(aaaa.address) is not what inet_ntop writes")
            }
        }
    }
}

/// The wire form of a presentation name with `\.`, `\\` and `\DDD` escapes; `nil` when it is malformed.
private func wireName(_ name: String) -> [UInt8]? {
    if name == "." { return [0] }
    var out: [UInt8] = []
    var label: [UInt8] = []
    var b = Array(name.utf8)[...]
    func flush() -> Bool {
        guard (1...63).contains(label.count) else { return false }
        out += [UInt8(label.count)] + label
        label = []
        return true
    }
    while let c = b.popFirst() {
        if c == UInt8(ascii: ".") {
            guard flush() else { return nil }
        } else if c == UInt8(ascii: "\\") {
            guard let d = b.first else { return nil }
            if d >= 0x30 && d <= 0x39 {
                guard b.count >= 3, b.prefix(3).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
                let value = b.prefix(3).reduce(0) { $0 * 10 + Int($1) - 0x30 }
                guard value <= 255 else { return nil }
                label.append(UInt8(value))
                b = b.dropFirst(3)
            } else {
                label.append(d)
                b = b.dropFirst()
            }
        } else {
            label.append(c)
        }
    }
    guard flush() else { return nil }
    return out + [0]
}

private func parse(_ text: String, family: Int32, count: Int) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 16)
    guard inet_pton(family, text, &buffer) == 1 else { return nil }
    return Array(buffer.prefix(count))
}

/// glibc's text for an IPv6 address (RFC 5952 like ours, except that it writes IPv4-compatible forms).
private func canonicalIPv6(_ bytes: [UInt8]) -> String? {
    var out = [CChar](repeating: 0, count: 64)
    guard inet_ntop(AF_INET6, bytes, &out, 64) != nil else { return nil }
    return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
