import COpenSSL

/// A failure inside OpenSSL, with the library's own messages.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// What we were doing.
    public let operation: String
    /// OpenSSL's error queue, oldest first.
    public let details: [String]

    public var description: String {
        details.isEmpty ? "\(operation) failed" : "\(operation) failed: \(details.joined(separator: "; "))"
    }

    /// The one error-translation point for OpenSSL: drains the thread-local error queue. Call it
    /// synchronously, right after the failing call.
    public static func capture(_ operation: String) -> OpenSSLError {
        var details: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            details.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return OpenSSLError(operation: operation, details: details)
    }

    /// Empties the error queue before an operation whose failure will be captured.
    public static func clearQueue() { ERR_clear_error() }
}
