// Pure over bytes: no imports. A fuzzing harness compiles this file on its own (with SocketmapRequest.swift).

/// Why a byte stream is not a sequence of netstrings (`LEN:DATA,`). Any of these closes the connection.
public enum NetstringError: Error, Hashable, Sendable {
    /// The length prefix is empty, has a non-digit, or has a superfluous leading zero.
    case invalidLength
    /// The announced length is above the request size limit.
    case tooLong(limit: Int)
    /// The byte after the data is not `,`.
    case missingTerminator
}

/// One complete netstring at the front of a byte sequence.
public struct NetstringFrame: Hashable, Sendable {
    /// Where the payload lies, in the indices of the bytes that were parsed.
    public var payload: Range<Int>
    /// The index just past the terminating `,`: where the next netstring starts.
    public var end: Int

    /// A frame.
    public init(payload: Range<Int>, end: Int) {
        self.payload = payload
        self.end = end
    }
}

/// Netstrings (`socketmap_table(5)` framing: `LEN:DATA,`): parsing and writing, over plain bytes.
///
/// The length is decimal ASCII without leading zeros (a single `0` is allowed). A payload longer than the
/// limit is refused from its length prefix alone, before its data is buffered.
public enum Netstring {
    /// How many decimal digits `maxLength` has: a longer length prefix is refused before it ends.
    public static func digitCount(_ maxLength: Int) -> Int {
        var digits = 1
        var rest = maxLength / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return digits
    }

    /// The netstring at the front of `bytes`, or `nil` when more bytes are needed to complete it.
    ///
    /// Throws when the front of `bytes` cannot become a netstring of at most `maxLength` payload bytes,
    /// however many bytes follow.
    @inlinable
    public static func parse<Bytes: RandomAccessCollection>(_ bytes: Bytes, maxLength: Int) throws(NetstringError) -> NetstringFrame?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        try parse(bytes, maxLength: maxLength, maxDigits: digitCount(maxLength))
    }

    /// ``parse(_:maxLength:)`` with the digit count of `maxLength` computed once by the caller.
    @inlinable
    public static func parse<Bytes: RandomAccessCollection>(_ bytes: Bytes, maxLength: Int,
                                                            maxDigits: Int) throws(NetstringError) -> NetstringFrame?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        var length = 0
        var digits = 0
        var index = bytes.startIndex
        while true {
            guard index < bytes.endIndex else {
                // Not all of the prefix has arrived.
                return nil
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .invalidLength }
            if digits == 1, length == 0 { throw .invalidLength }  // leading zero
            digits += 1
            if digits > maxDigits { throw .tooLong(limit: maxLength) }
            length = length * 10 + Int(byte &- UInt8(ascii: "0"))
            index += 1
        }
        guard digits > 0 else { throw .invalidLength }
        guard length <= maxLength else { throw .tooLong(limit: maxLength) }
        let dataStart = index + 1
        guard bytes.endIndex - dataStart > length else { return nil }
        guard bytes[dataStart + length] == UInt8(ascii: ",") else { throw .missingTerminator }
        return NetstringFrame(payload: dataStart..<(dataStart + length), end: dataStart + length + 1)
    }

    /// Every complete netstring payload at the front of `bytes`, and how many bytes they occupy; stops at the
    /// first incomplete one. Throws at the first malformed one.
    public static func parseAll(_ bytes: [UInt8], maxLength: Int) throws(NetstringError) -> (payloads: [[UInt8]], consumed: Int) {
        var payloads: [[UInt8]] = []
        var offset = 0
        let maxDigits = digitCount(maxLength)
        while let frame = try parse(bytes[offset...], maxLength: maxLength, maxDigits: maxDigits) {
            payloads.append(Array(bytes[frame.payload]))
            offset = frame.end
        }
        return (payloads, offset)
    }

    /// `payload` framed as `LEN:payload,`.
    public static func encode<Payload: Collection>(_ payload: Payload) -> [UInt8] where Payload.Element == UInt8 {
        var out = Array(String(payload.count).utf8)
        out.reserveCapacity(out.count + payload.count + 2)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: payload)
        out.append(UInt8(ascii: ","))
        return out
    }

    /// `payload` (UTF-8) framed as `LEN:payload,`.
    public static func encode(_ payload: String) -> [UInt8] { encode(payload.utf8) }
}
