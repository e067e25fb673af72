import PreloadCore

/// Tests name issue codes by their stable text, as the tools that match on them do. (The library has no
/// such conversion: findings are made with the catalogue's constants.) One conformance for every test target.
extension IssueCode: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
