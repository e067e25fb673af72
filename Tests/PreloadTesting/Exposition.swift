#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The samples of a Prometheus text exposition: `name{labels}` (as printed) → value.
public struct Exposition {
    public let text: String
    public let samples: [String: Double]

    public init(_ text: String) {
        self.text = text
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        self.samples = samples
    }

    public subscript(_ series: String) -> Double? { samples[series] }
}

/// A minimal HTTP/1.1 client for loopback tests: one request, `Connection: close`, reads to the end.
/// Use it from ``onThread(_:)``: it blocks.
public func httpRequest(port: Int, method: String = "GET", path: String) throws -> (status: Int, headers: [String: String], body: String) {
    let client = try RawSocketClient(port: port, timeoutSeconds: 10)
    try client.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { throw ClientError(description: "no HTTP response: \(text)") }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusParts = lines.first?.split(separator: " ") ?? []
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError(description: "bad status line") }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return (status, headers, String(text[split.upperBound...]))
}
