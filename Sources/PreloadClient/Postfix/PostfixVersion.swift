/// The Postfix version a rendered table targets; it decides which attributes may appear.
///
/// - `servername=hostname` needs Postfix ≥ 3.4 (the default target).
/// - The TLSRPT attributes `policy_type=sts policy_domain= mx_host_pattern=` need Postfix ≥ 3.10; older
///   versions reject the whole entry as invalid, so they are written only when asked for.
public struct PostfixVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Major, minor and patch numbers.
    public var major: Int, minor: Int, patch: Int

    /// A version from its numbers.
    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `3.10`, `3.10.5` (also `3`); `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 4, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(part)
            else { return nil }
            numbers.append(n)
        }
        while numbers.count < 3 { numbers.append(0) }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    /// The default target: the oldest version with `servername=`.
    public static let baseline = PostfixVersion(3, 4)
    /// The first version with TLSRPT attributes in `smtp_tls_policy_maps`.
    public static let tlsrpt = PostfixVersion(3, 10)

    /// Whether `servername=hostname` may be written.
    public var supportsServername: Bool { self >= .baseline }
    /// Whether `policy_type=sts policy_domain= mx_host_pattern=` may be written.
    public var supportsTLSRPTAttributes: Bool { self >= .tlsrpt }

    public var description: String { patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)" }

    public static func < (l: PostfixVersion, r: PostfixVersion) -> Bool {
        (l.major, l.minor, l.patch) < (r.major, r.minor, r.patch)
    }
}
