import PreloadCore

/// Why a contact address was refused.
public enum ContactAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let why): "not a usable email address: \(why)"
        }
    }
}

/// A contact email address, checked strictly enough to be used as an SMTP recipient and a mail header
/// without any quoting: `local@domain` with an RFC 5321 dot-atom local part (no quotes, spaces, angle
/// brackets or control characters — so no header or command injection) and a valid domain name.
public struct ContactAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address, with the domain part normalised to lowercase.
    public let value: String

    /// Validates `text`.
    public init(_ text: String) throws(ContactAddressError) {
        guard let at = text.lastIndex(of: "@") else { throw .malformed("no @") }
        let local = text[..<at]
        let domainPart = String(text[text.index(after: at)...])
        guard !local.isEmpty, local.utf8.count <= 64 else { throw .malformed("the local part must be 1-64 characters") }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)
        let labels = local.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(atext.contains) }) else {
            throw .malformed("the local part may hold letters, digits and !#$%&'*+-/=?^_`{|}~ between single dots")
        }
        let domain: DomainName
        do { domain = try DomainName(domainPart) } catch { throw .malformed("the domain part: \(error)") }
        value = String(local) + "@" + domain.value
    }

    public var description: String { value }
}
