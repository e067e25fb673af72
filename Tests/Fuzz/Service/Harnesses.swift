// Fuzz harnesses over what anyone on the network can send to `preload serve`: the JSON bodies of API v1,
// the form bodies and query strings of the web pages (here) and the HTTP/1.1 requests themselves
// (HTTPHarness.swift). Only the NIO-free files of PreloadService (RequestBodies.swift,
// HTTPRequestReader.swift) are compiled in.
import Foundation
@testable import PreloadService

let harnesses: [String: Harness] = [
    "service-json": fuzzServiceJSON,
    "service-form": fuzzServiceForm,
    "service-http": fuzzServiceHTTP,
]

/// A JSON body for one of the four endpoints that take one (the first byte picks it). Decoding never
/// traps; a decoded body encodes and decodes back to itself; what it decoded is what a second JSON reader
/// (JSONSerialization) sees in the same bytes; a refusal's sentence is short and never echoes the body.
@Sendable func fuzzServiceJSON(_ input: [UInt8]) {
    guard let selector = input.first else { return }
    let body = Array(input.dropFirst())
    switch selector % 4 {
    case 0: check(RequestBodies.Submission.self, body) { [("domain", $0.domain), ("contact", $0.contact)] }
    case 1: check(RequestBodies.Domain.self, body) { [("domain", $0.domain)] }
    case 2: check(RequestBodies.Contact.self, body) { [("contact", $0.contact)] }
    default: check(RequestBodies.Code.self, body) { [("token", $0.token)] }
    }
}

private func check<T: Codable & Hashable>(_ type: T.Type, _ body: [UInt8], _ members: (T) -> [(String, String)]) {
    switch RequestBodies.decode(T.self, body) {
    case .success(let value):
        let again = try? JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
        require(again == value, "\(value) does not survive encode → decode")
        // Another reader of the same bytes finds an object with these string members.
        let object = (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) as? [String: Any]
        require(object != nil, "decoded \(value), but JSONSerialization finds no object")
        for (name, decoded) in members(value) {
            if let seen = object?[name] as? String {
                require(seen == decoded, "member \(name): \(decoded.debugDescription) vs \(seen.debugDescription)")
            } else {
                require(false, "member \(name) is not a string to JSONSerialization")
            }
        }
    case .failure(let error):
        require(!error.why.isEmpty && error.why.utf8.count <= 200, "refusal sentence '\(error.why)'")
    }
}

/// A form body (or query string). The fields agree with a reference decoder written from the
/// application/x-www-form-urlencoded rules (bytes split at `&` and the first `=`, `+` is a space, `%HH`
/// escapes, broken escapes or invalid UTF-8 kept as given, first name wins); fields re-encoded with every
/// byte escaped parse back to themselves.
@Sendable func fuzzServiceForm(_ input: [UInt8]) {
    let fields = RequestBodies.formFields(input)
    let reference = referenceForm(input)
    require(fields == reference, "fields \(fields) vs reference \(reference)")
    let encoded = fields.sorted { $0.key < $1.key }.map { escapeAll($0.key) + "=" + escapeAll($0.value) }.joined(separator: "&")
    let back = RequestBodies.formFields(Array(encoded.utf8))
    require(back == fields, "re-encoded fields \(encoded) parse as \(back)")
}

private func escapeAll(_ text: String) -> String {
    text.utf8.map { b in
        let hex = String(b, radix: 16, uppercase: true)
        return "%" + (b < 16 ? "0" + hex : hex)
    }.joined()
}

/// The reference: a byte state machine (separators found by scanning, not by splitting).
private func referenceForm(_ input: [UInt8]) -> [String: String] {
    let bytes = Array(String(decoding: input, as: UTF8.self).utf8)
    var result: [String: String] = [:]
    var key: [UInt8] = []
    var value: [UInt8] = []
    var inValue = false
    var any = false
    func finish() {
        if any {
            let k = referenceUnescape(key)
            if result[k] == nil { result[k] = inValue ? referenceUnescape(value) : "" }
        }
        key = []
        value = []
        inValue = false
        any = false
    }
    for b in bytes {
        if b == 0x26 {
            finish()
        } else if b == 0x3D && !inValue {
            inValue = true
            any = true
        } else {
            if inValue { value.append(b) } else { key.append(b) }
            any = true
        }
    }
    finish()
    return result
}

private func referenceUnescape(_ raw: [UInt8]) -> String {
    let plus = raw.map { $0 == 0x2B ? UInt8(0x20) : $0 }
    func hex(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: Int(c - 0x30)
        case 0x41...0x46: Int(c - 0x41 + 10)
        case 0x61...0x66: Int(c - 0x61 + 10)
        default: nil
        }
    }
    var out: [UInt8] = []
    var rest = plus[...]
    while let b = rest.first {
        if b == 0x25 {
            let h = rest.dropFirst().prefix(2)
            guard h.count == 2, let hi = hex(h.first!), let lo = hex(h.last!) else {
                return String(decoding: plus, as: UTF8.self)
            }
            out.append(UInt8(hi * 16 + lo))
            rest = rest.dropFirst(3)
        } else {
            out.append(b)
            rest = rest.dropFirst()
        }
    }
    return String(validating: out, as: UTF8.self) ?? String(decoding: plus, as: UTF8.self)
}
