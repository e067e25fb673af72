/// The SSH wire encoding (RFC 4251 §5) used inside public key blobs and SSH signatures: big-endian
/// `uint32` and length-prefixed `string`s. Pure Swift, no I/O.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    mutating func uint32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func string<C: Collection>(_ value: C) where C.Element == UInt8 {
        uint32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) { string(Array(value.utf8)) }

    mutating func raw<C: Collection>(_ value: C) where C.Element == UInt8 { bytes.append(contentsOf: value) }
}

/// Reads the SSH wire encoding, refusing truncated or oversized fields.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte has been consumed.
    var isAtEnd: Bool { offset == bytes.count }

    mutating func raw(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32() -> UInt32? {
        guard let b = raw(4) else { return nil }
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    mutating func string() -> [UInt8]? {
        guard let length = uint32() else { return nil }
        return raw(Int(length))
    }

    /// A string that must be valid UTF-8 text.
    mutating func text() -> String? {
        guard let b = string() else { return nil }
        return String(validating: b, as: UTF8.self)
    }
}

/// Standard base64 (RFC 4648 §4) with padding, as OpenSSH writes it. Pure Swift.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    static func encode(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= data.count {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)],
                    alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = data.count - i
        if rest == 1 {
            let n = UInt32(data[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 0x3D, 0x3D]
        } else if rest == 2 {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 0x3D]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded base64; `nil` on any character outside the alphabet or a bad length.
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            let last = i + 4 == chars.count
            var values: [UInt32] = [0, 0, 0, 0]
            var padding = 0
            for j in 0..<4 {
                let c = chars[i + j]
                if c == 0x3D, last, j >= 2 {
                    padding += 1
                    continue
                }
                guard padding == 0 else { return nil }
                let v = decodeTable[Int(c)]
                guard v != 0xFF else { return nil }
                values[j] = UInt32(v)
            }
            let n = values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]
            out.append(UInt8(n >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(n >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(n & 0xFF)) }
            i += 4
        }
        return out
    }
}
