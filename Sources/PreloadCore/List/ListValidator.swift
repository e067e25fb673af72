/// The semantic rules of a v1 list, checked on the model: what a JSON Schema cannot say, and what a list
/// built in code (by the publisher) must satisfy before it is encoded and signed.
///
/// Used by ``ListCodec/decode(_:)`` after the structural checks, by `preload lint list`, and by
/// `preload list verify`. Findings are `list.invalid` errors (subject = JSON path) and `list.alias-unused`
/// warnings. Order is not checked here: the encoder writes entries and patterns in canonical order, and the
/// decoder checks the order in files.
public enum ListValidator {
    /// Every rule violated by `list`.
    public static func validate(_ list: PreloadList) -> [Issue] {
        var issues: [Issue] = []
        func error(_ path: String, _ message: String) { issues.append(Issue(.listInvalid, .error, subject: path, message)) }

        if list.serial < 1 || list.serial > ListCodec.maxSerial {
            error("$.serial", "must be between 1 and \(ListCodec.maxSerial), found \(list.serial)")
        }
        if list.expires <= list.generated {
            error("$.expires", "must be later than \"generated\" (\(list.generated)), found \(list.expires)")
        }
        if let problem = ListNames.publisherProblem(list.publisher) { error("$.publisher", problem) }

        for name in list.aliases.keys.sorted(by: ListCodec.bytewiseLess) {
            let path = ListPath.alias(name)
            if !ListNames.isAliasName(name) { error(path, ListNames.aliasNameRule) }
            checkPatterns(list.aliases[name]!.mx, path + ".mx", error)
        }

        // Duplicates: a sorted list has none; otherwise look with a set.
        if !ListCodec.isStrictlySorted(list.entries) {
            var seen = Set<String>()
            for entry in list.entries where !seen.insert(entry.domain.value).inserted {
                error(ListPath.domain(entry.domain.value), "duplicate domain")
            }
        }

        var used = Set<String>()
        for entry in list.entries {
            switch entry.policy {
            case .patterns(_, let mx):
                checkPatterns(mx, ListPath.domain(entry.domain.value) + ".mx", error)
            case .alias(let name):
                used.insert(name)
                if list.aliases[name] == nil {
                    error(ListPath.domain(entry.domain.value) + ".alias",
                        "refers to the alias \(ListNames.quoted(name)), which is not defined in \"aliases\"")
                }
            }
            let p = entry.provenance
            if p.verified < p.added {
                error(ListPath.domain(entry.domain.value) + ".provenance.verified",
                    "must not be earlier than \"added\" (\(p.added)), found \(p.verified)")
            }
            if p.added > list.generated {
                error(ListPath.domain(entry.domain.value) + ".provenance.added",
                    "must not be later than the list's \"generated\" (\(list.generated)), found \(p.added)")
            }
            if p.verified > list.generated {
                error(ListPath.domain(entry.domain.value) + ".provenance.verified",
                    "must not be later than the list's \"generated\" (\(list.generated)), found \(p.verified)")
            }
        }
        for name in list.aliases.keys.sorted(by: ListCodec.bytewiseLess) where !used.contains(name) {
            issues.append(Issue(.listAliasUnused, subject: ListPath.alias(name),
                "the alias \(ListNames.quoted(name)) is defined but no domain refers to it"))
        }
        return issues
    }

    /// `path` is only built when there is something to report: a list of a million entries has a million paths.
    private static func checkPatterns(_ mx: [MXPattern], _ path: @autoclosure () -> String, _ error: (String, String) -> Void) {
        if mx.isEmpty {
            error(path(), "must list at least one MX pattern")
            return
        }
        let duplicated = mx.count <= 8
            ? mx.indices.contains { i in mx[(i + 1)...].contains(mx[i]) }
            : Set(mx).count != mx.count
        if duplicated { error(path(), "lists the same MX pattern twice") }
    }
}
