/// How many entries of each kind a list has.
public struct ListCounts: Hashable, Sendable, Codable {
    /// All entries.
    public var domains: Int
    /// Entries with their own patterns in mode `enforce`.
    public var enforce: Int
    /// Entries with their own patterns in mode `testing`.
    public var testing: Int
    /// Entries that refer to an alias.
    public var aliasReferences: Int
    /// Alias definitions.
    public var aliases: Int

    enum CodingKeys: String, CodingKey {
        case domains, enforce, testing, aliases
        case aliasReferences = "alias_references"
    }

    /// Counts the entries of `list`.
    public init(_ list: PreloadList) {
        domains = list.entries.count
        aliases = list.aliases.count
        enforce = 0
        testing = 0
        aliasReferences = 0
        for entry in list.entries {
            switch entry.policy {
            case .patterns(.enforce, _): enforce += 1
            case .patterns(.testing, _): testing += 1
            case .alias: aliasReferences += 1
            }
        }
    }
}

/// The result of checking a list file offline (`preload lint list`).
public struct ListLintReport: Sendable {
    /// The detected format; `nil` when the file is neither v1 nor v0.1 (it is then checked as v1).
    public var format: ListFormat?
    /// The list (converted to v1 for a v0.1 file) when the file is valid.
    public var list: PreloadList?
    /// Every finding; a v0.1 file always has `list.legacy-format`.
    public var issues: [Issue]
    /// `true` when no finding is an error.
    public var isValid: Bool { !issues.hasErrors }
    /// Entry counts of a valid list.
    public var counts: ListCounts? { list.map(ListCounts.init) }

    /// A report; see the properties.
    public init(format: ListFormat?, list: PreloadList?, issues: [Issue]) {
        self.format = format
        self.list = list
        self.issues = issues
    }
}

extension ListCodec {
    /// Decodes a file in whichever format it is in: v1 directly, EFF v0.1 through the importer (the
    /// list is then the v1 equivalent). Undetectable files are decoded as v1, whose errors explain them.
    public static func decodeAnyFormat(_ bytes: [UInt8]) -> (format: ListFormat?, decoding: ListDecoding) {
        let format = detectFormat(bytes)
        switch format {
        case .effV01: return (format, EFFListConverter.importList(bytes))
        case .v1, nil: return (format, decode(bytes))
        }
    }

    /// Checks a list file: v1 files against every rule of the format (and whether their bytes are canonical);
    /// v0.1 files are reported as legacy and checked against EFF's v0.1 rules and what converting them to v1
    /// would change.
    public static func lint(_ bytes: [UInt8]) -> ListLintReport {
        let (format, decoding) = decodeAnyFormat(bytes)
        var issues = decoding.issues
        switch format {
        case .effV01:
            issues.insert(Issue(.listLegacyFormat, subject: "$",
                "this is an EFF STARTTLS Everywhere v0.1 list; convert it with `preload list convert FILE --to v1`"), at: 0)
        case .v1, nil:
            if let list = decoding.list, !isCanonical(bytes, of: list) {
                issues.append(Issue(.listNotCanonical, subject: "$",
                    "the list is valid but not byte-for-byte canonical; `preload list convert FILE --to v1` rewrites it"))
            }
        }
        return ListLintReport(format: format, list: decoding.list, issues: issues)
    }
}
