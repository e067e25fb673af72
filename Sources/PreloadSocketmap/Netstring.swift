import NIOCore

/// Why a byte stream is not a sequence of netstrings (`LEN:DATA,`). Any of these closes the connection.
public enum NetstringError: Error, Hashable, Sendable {
    /// The length prefix is empty, has a non-digit, or has a superfluous leading zero.
    case invalidLength
    /// The announced length is above the request size limit.
    case tooLong(limit: Int)
    /// The byte after the data is not `,`.
    case missingTerminator
}

/// Splits a byte stream into netstring payloads (`socketmap_table(5)` framing: `LEN:DATA,`), refusing any
/// payload longer than `maxLength` before buffering it.
///
/// The length is decimal ASCII without leading zeros (a single `0` is allowed); bytes are never buffered
/// past `maxLength` plus the prefix and terminator.
public struct NetstringDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The largest accepted payload, in bytes.
    public let maxLength: Int
    private let maxDigits: Int

    /// A decoder refusing payloads longer than `maxLength` bytes.
    public init(maxLength: Int) {
        precondition(maxLength >= 0, "maxLength must not be negative")
        self.maxLength = maxLength
        self.maxDigits = String(maxLength).count
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let payload = try Self.parse(&buffer, maxLength: maxLength, maxDigits: maxDigits) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(payload))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer,
                                    seenEOF: Bool) throws -> DecodingState {
        // A partial netstring at EOF is dropped: the peer is gone, nobody could read a reply.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// Takes one complete netstring payload from the front of `buffer`; `nil` when more bytes are needed.
    /// Usable without a channel (tests, other framings).
    public static func parse(_ buffer: inout ByteBuffer, maxLength: Int) throws(NetstringError) -> ByteBuffer? {
        try parse(&buffer, maxLength: maxLength, maxDigits: String(maxLength).count)
    }

    private static func parse(_ buffer: inout ByteBuffer, maxLength: Int, maxDigits: Int) throws(NetstringError) -> ByteBuffer? {
        let start = buffer.readerIndex
        var length = 0
        var digits = 0
        var index = start
        while true {
            guard let byte = buffer.getInteger(at: index, as: UInt8.self) else {
                // Not all of the prefix has arrived; refuse early when it is already too long.
                if digits > maxDigits { throw .tooLong(limit: maxLength) }
                return nil
            }
            if byte == UInt8(ascii: ":") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .invalidLength }
            if digits == 1, length == 0 { throw .invalidLength }  // leading zero
            digits += 1
            if digits > maxDigits { throw .tooLong(limit: maxLength) }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
            index += 1
        }
        guard digits > 0 else { throw .invalidLength }
        guard length <= maxLength else { throw .tooLong(limit: maxLength) }
        let dataStart = index + 1
        let available = buffer.writerIndex - dataStart
        guard available >= length + 1 else { return nil }
        guard buffer.getInteger(at: dataStart + length, as: UInt8.self) == UInt8(ascii: ",") else {
            throw .missingTerminator
        }
        let payload = buffer.getSlice(at: dataStart, length: length)!
        buffer.moveReaderIndex(to: dataStart + length + 1)
        return payload
    }
}

/// Writes netstrings.
public enum Netstring {
    /// `payload` framed as `LEN:payload,`.
    public static func encode(_ payload: String, into buffer: inout ByteBuffer) {
        let bytes = Array(payload.utf8)
        buffer.writeString(String(bytes.count))
        buffer.writeInteger(UInt8(ascii: ":"))
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: ","))
    }

    /// `payload` framed as `LEN:payload,`, as bytes.
    public static func encode(_ payload: String) -> [UInt8] {
        let bytes = Array(payload.utf8)
        return Array(String(bytes.count).utf8) + [UInt8(ascii: ":")] + bytes + [UInt8(ascii: ",")]
    }
}
