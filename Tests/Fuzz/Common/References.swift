// Reference implementations the harnesses compare the product with: small, obviously correct, and
// written without looking at the code under test.

/// A host name by the rules of RFC 1123 §2.1 and RFC 3696 §2 as the project applies them: one trailing dot
/// ignored, at most 253 bytes, two labels or more, LDH labels of 1-63 bytes without a hyphen at either end,
/// the last label not all digits. The lowercase name, or `nil`.
func referenceDomain(_ input: [UInt8]) -> String? {
    var b = input
    if b.last == UInt8(ascii: ".") { b.removeLast() }
    guard !b.isEmpty, b.count <= 253, b.allSatisfy({ $0 < 0x80 }) else { return nil }
    let labels = b.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard labels.count >= 2 else { return nil }
    for label in labels {
        guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
            label.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") })
        else { return nil }
    }
    if labels.last!.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return nil }
    return String(decoding: b.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 + 0x20 : $0 }, as: UTF8.self)
}

/// ASCII letter or digit.
func isAlnum(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
}
