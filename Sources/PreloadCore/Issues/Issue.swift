/// How much a finding matters. Errors block (a domain is ineligible, a record invalid); warnings do not.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info
    case warning
    case error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A stable, dotted identifier of one kind of finding, e.g. `mta-sts.txt-invalid`.
///
/// Codes are listed once, in ``IssueCatalogue``, each with its constant (`IssueCode.mxMissing`), and are
/// never renamed: tools and people match on them.
public struct IssueCode: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String
    /// A code read back (from JSON, the state database); findings are made with the constants
    /// (``IssueCode/mtaStsPolicyContentType``…), never from text.
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (lhs: IssueCode, rhs: IssueCode) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The catalogue entry for this code.
    public var entry: IssueCatalogue.Entry? { IssueCatalogue.entries[self] }
}

/// One finding about a domain, record, policy or list: data, never a thrown error.
public struct Issue: Hashable, Sendable, Codable {
    /// The stable code (see ``IssueCatalogue``).
    public var code: IssueCode
    /// Error, warning or info.
    public var severity: Severity
    /// What the finding is about: an MX host, an address, `policy`, a line number… `nil` when it is the whole input.
    public var subject: String?
    /// A human sentence: what is wrong and how to fix it.
    public var message: String

    /// A finding with an explicit severity.
    public init(_ code: IssueCode, _ severity: Severity, subject: String? = nil, _ message: String) {
        self.code = code
        self.severity = severity
        self.subject = subject
        self.message = message
    }

    /// A finding at the catalogue's default severity for `code`.
    public init(_ code: IssueCode, subject: String? = nil, _ message: String) {
        self.init(code, code.entry?.severity ?? .error, subject: subject, message)
    }
}

extension Array where Element == Issue {
    /// `true` when any finding is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
    /// `true` when any finding is a warning.
    public var hasWarnings: Bool { contains { $0.severity == .warning } }
}
