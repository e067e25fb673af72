import Foundation

/// One column value as the Postgres store binds and reads it: the state's columns are text, 64-bit
/// integers and booleans (times are RFC 3339 text, as in the SQLite state, so they compare as text).
enum SQLValue: Sendable, Hashable {
    case null
    case text(String)
    case int(Int64)
    case bool(Bool)
}

/// Turns a row (a `Codable` value whose coding keys are its table's columns) into column values, and back.
/// A property that encodes as one value (a string, a number, a `Bool`, or a type with a single-value
/// encoding such as `Timestamp`, `DomainName` or a code enum) is one column; any other (an array of MX
/// patterns, a list of issue codes) is stored as its JSON text, which is how GRDB stores the same rows
/// in the SQLite state.
enum RowCoding {
    /// The row's columns, in coding order.
    static func columns<T: Encodable>(_ value: T) throws -> [(String, SQLValue)] {
        let encoder = ColumnEncoder()
        try value.encode(to: encoder)
        return encoder.storage.columns
    }

    /// Decodes a row from its columns (a missing column reads as NULL).
    static func decode<T: Decodable>(_ type: T.Type, from columns: [String: SQLValue]) throws -> T {
        try T(from: ColumnDecoder(columns: columns))
    }

    /// The single value a property encodes as, or its JSON text.
    fileprivate static func encodeValue<T: Encodable>(_ value: T) throws -> SQLValue {
        let probe = SingleValueProbe()
        do {
            try value.encode(to: probe)
            if let single = probe.value { return single }
        } catch is SingleValueProbe.NotSingle {}
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return .text(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

// MARK: Encoding

private final class ColumnStorage {
    var columns: [(String, SQLValue)] = []
}

private final class ColumnEncoder: Encoder {
    let storage = ColumnStorage()
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(ColumnContainer<Key>(storage: storage))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a stored row is keyed by its columns") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("a stored row is keyed by its columns") }
}

private struct ColumnContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: ColumnStorage
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { storage.columns.append((key.stringValue, .null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { storage.columns.append((key.stringValue, .bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { storage.columns.append((key.stringValue, .text(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { storage.columns.append((key.stringValue, .int(Int64(value)))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { storage.columns.append((key.stringValue, .int(Int64(value)))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { storage.columns.append((key.stringValue, .int(value))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        storage.columns.append((key.stringValue, try RowCoding.encodeValue(value)))
    }
    // A nil optional is a NULL column (the synthesised encoding skips nil with encodeIfPresent).
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> {
        fatalError("a stored row has no nested containers")
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        fatalError("a stored row has no nested containers")
    }
    mutating func superEncoder() -> any Encoder { fatalError("a stored row has no super encoder") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { fatalError("a stored row has no super encoder") }
}

/// Records the one value a type encodes as, or throws ``NotSingle`` when it asks for a container.
private final class SingleValueProbe: Encoder, SingleValueEncodingContainer {
    struct NotSingle: Error {}
    var value: SQLValue?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RefusingKeyed<Key>())
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { value = .null }
    func encode(_ value: Bool) throws { self.value = .bool(value) }
    func encode(_ value: String) throws { self.value = .text(value) }
    func encode(_ value: Int) throws { self.value = .int(Int64(value)) }
    func encode(_ value: Int32) throws { self.value = .int(Int64(value)) }
    func encode(_ value: Int64) throws { self.value = .int(value) }
    func encode(_ value: Double) throws { throw NotSingle() }
    func encode<T: Encodable>(_ value: T) throws { try value.encode(to: self) }
}

/// The containers a multi-value type asks the probe for: every call throws, so it is stored as JSON.
private struct RefusingKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil(forKey key: Key) throws { throw SingleValueProbe.NotSingle() }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw SingleValueProbe.NotSingle() }
    mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> {
        KeyedEncodingContainer(RefusingKeyed<N>())
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
    mutating func superEncoder() -> any Encoder { SingleValueProbe() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SingleValueProbe() }
}

private struct RefusingUnkeyed: UnkeyedEncodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int { 0 }
    mutating func encodeNil() throws { throw SingleValueProbe.NotSingle() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw SingleValueProbe.NotSingle() }
    mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type) -> KeyedEncodingContainer<N> {
        KeyedEncodingContainer(RefusingKeyed<N>())
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
    mutating func superEncoder() -> any Encoder { SingleValueProbe() }
}

// MARK: Decoding

private struct ColumnDecoder: Decoder {
    let columns: [String: SQLValue]
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ColumnReader<Key>(columns: columns))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [], debugDescription: "a stored row is keyed"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [], debugDescription: "a stored row is keyed"))
    }
}

private struct ColumnReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let columns: [String: SQLValue]
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { columns.keys.compactMap(Key.init(stringValue:)) }

    func contains(_ key: Key) -> Bool { columns[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { (columns[key.stringValue] ?? .null) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = columns[key.stringValue] ?? .null
        let decoder = CellDecoder(value: value, codingPath: [key])
        do {
            return try T(from: decoder)
        } catch is CellDecoder.NeedsJSON {
            guard case .text(let json) = value else {
                throw DecodingError.typeMismatch(T.self, .init(codingPath: [key], debugDescription: "expected JSON text, found \(value)"))
            }
            do {
                return try JSONDecoder().decode(T.self, from: Data(json.utf8))
            } catch let error as DecodingError {
                throw DecodingError.dataCorrupted(.init(codingPath: [key], debugDescription: "\(error)"))
            }
        }
    }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [key], debugDescription: "no nested containers"))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [key], debugDescription: "no nested containers"))
    }
    func superDecoder() throws -> any Decoder { ColumnDecoder(columns: columns) }
    func superDecoder(forKey key: Key) throws -> any Decoder { ColumnDecoder(columns: columns) }
}

/// Decodes one column: a single-value type reads it directly; a type that asks for a container throws
/// ``NeedsJSON`` and is decoded from the column's JSON text instead.
private struct CellDecoder: Decoder, SingleValueDecodingContainer {
    struct NeedsJSON: Error {}
    let value: SQLValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    private func mismatch<T>(_: T.Type) -> DecodingError {
        switch value {
        case .null: .valueNotFound(T.self, .init(codingPath: codingPath, debugDescription: "the column is NULL"))
        default: .typeMismatch(T.self, .init(codingPath: codingPath, debugDescription: "found \(value)"))
        }
    }

    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(type) }
        return b
    }
    func decode(_ type: String.Type) throws -> String {
        guard case .text(let s) = value else { throw mismatch(type) }
        return s
    }
    func decode(_ type: Int64.Type) throws -> Int64 {
        guard case .int(let i) = value else { throw mismatch(type) }
        return i
    }
    func decode(_ type: Int.Type) throws -> Int { Int(try decode(Int64.self)) }
    func decode(_ type: Int32.Type) throws -> Int32 {
        let i = try decode(Int64.self)
        guard let narrow = Int32(exactly: i) else { throw mismatch(type) }
        return narrow
    }
    func decode(_ type: Double.Type) throws -> Double { throw mismatch(type) }
    func decode(_ type: Float.Type) throws -> Float { throw mismatch(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { throw mismatch(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { throw mismatch(type) }
    func decode(_ type: UInt.Type) throws -> UInt { throw mismatch(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { throw mismatch(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { throw mismatch(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { throw mismatch(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { throw mismatch(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
}
