/// What changed between two lists, as senders see it: entries are compared by their *effective* policy
/// (aliases resolved), so a change to an alias shows up on every domain that refers to it.
///
/// ``summary`` is a text usable as a git commit message: a subject line with the counts, then the names.
public struct ListDiff: Hashable, Sendable, Codable {
    /// A domain whose effective mode changed.
    public struct ModeChange: Hashable, Sendable, Codable {
        /// The domain.
        public var domain: DomainName
        /// Its effective mode in the old list.
        public var from: ListMode
        /// Its effective mode in the new list.
        public var to: ListMode
    }

    /// A domain whose effective MX patterns changed.
    public struct PatternChange: Hashable, Sendable, Codable {
        /// The domain.
        public var domain: DomainName
        /// Patterns only in the new list, sorted.
        public var added: [MXPattern]
        /// Patterns only in the old list, sorted.
        public var removed: [MXPattern]
    }

    /// The old list's serial; `nil` when there was no old list.
    public var oldSerial: UInt64?
    /// The new list's serial.
    public var newSerial: UInt64
    /// Domains only in the new list, sorted.
    public var added: [DomainName]
    /// Domains only in the old list, sorted.
    public var removed: [DomainName]
    /// Effective mode changes, sorted by domain.
    public var modeChanges: [ModeChange]
    /// Effective pattern changes, sorted by domain.
    public var patternChanges: [PatternChange]
    /// Aliases added, removed or redefined, sorted.
    public var aliasesChanged: [String]
    /// Domains in both lists whose effective policy is unchanged but whose entry changed otherwise
    /// (provenance, or a switch between own patterns and an equal alias).
    public var otherwiseChanged: Int

    /// `true` when no domain's effective policy changed and no domain was added or removed.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && modeChanges.isEmpty && patternChanges.isEmpty }

    /// Compares `old` (nil: no previous list) with `new`. Linear in the sizes of both lists.
    public init(old: PreloadList?, new: PreloadList) {
        oldSerial = old?.serial
        newSerial = new.serial
        added = []
        removed = []
        modeChanges = []
        patternChanges = []
        otherwiseChanged = 0
        let aliasNames = Set(old?.aliases.keys.map { $0 } ?? []).union(new.aliases.keys)
        aliasesChanged = aliasNames.filter { old?.aliases[$0] != new.aliases[$0] }.sorted(by: ListCodec.bytewiseLess)

        let changedAliases = Set(aliasesChanged)
        let a = Self.sorted(old?.entries ?? [])
        let b = Self.sorted(new.entries)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && ListCodec.bytewiseLess(a[i].domain.value, b[j].domain.value)) {
                removed.append(a[i].domain)
                i += 1
            } else if i == a.count || ListCodec.bytewiseLess(b[j].domain.value, a[i].domain.value) {
                added.append(b[j].domain)
                j += 1
            } else {
                compare(a[i], old!, b[j], new, changedAliases)
                i += 1
                j += 1
            }
        }
    }

    private mutating func compare(_ x: ListEntry, _ oldList: PreloadList, _ y: ListEntry, _ newList: PreloadList,
                                  _ changedAliases: Set<String>) {
        // The usual case in a list of a million: the same policy written the same way (and, for an alias, an
        // alias defined the same in both lists), so the effective policy is the same.
        if x.policy == y.policy {
            var same = true
            if case .alias(let name) = x.policy { same = !changedAliases.contains(name) }
            if same {
                if x.provenance != y.provenance { otherwiseChanged += 1 }
                return
            }
        }
        let p = oldList.resolvedPolicy(of: x)
        let q = newList.resolvedPolicy(of: y)
        var changed = false
        if let p, let q {
            if p.mode != q.mode {
                modeChanges.append(ModeChange(domain: y.domain, from: p.mode, to: q.mode))
                changed = true
            }
            let old = p.mx == q.mx ? [] : Set(p.mx)
            let new = p.mx == q.mx ? [] : Set(q.mx)
            if old != new {
                patternChanges.append(PatternChange(domain: y.domain,
                    added: new.subtracting(old).sorted(), removed: old.subtracting(new).sorted()))
                changed = true
            }
        }
        if !changed && x != y { otherwiseChanged += 1 }
    }

    private static func sorted(_ entries: [ListEntry]) -> [ListEntry] {
        ListCodec.isStrictlySorted(entries) ? entries : entries.sorted { ListCodec.bytewiseLess($0.domain.value, $1.domain.value) }
    }

    /// At most this many names are written per section of ``summary``.
    public static let summaryNameLimit = 50

    /// A commit message: subject line with counts, a blank line, then the names per kind of change.
    public var summary: String {
        var counts: [String] = []
        if !added.isEmpty { counts.append("\(added.count) added") }
        if !removed.isEmpty { counts.append("\(removed.count) removed") }
        if !modeChanges.isEmpty { counts.append(Self.plural(modeChanges.count, "mode change")) }
        if !patternChanges.isEmpty { counts.append(Self.plural(patternChanges.count, "pattern change")) }
        if counts.isEmpty { counts.append("no domain changes") }
        var lines = ["List serial \(newSerial): " + counts.joined(separator: ", ")]
        var body: [String] = []
        func section(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            var shown = items.prefix(Self.summaryNameLimit).joined(separator: ", ")
            if items.count > Self.summaryNameLimit { shown += ", and \(items.count - Self.summaryNameLimit) more" }
            body.append("\(title) (\(items.count)): \(shown)")
        }
        section("Added", added.map(\.value))
        section("Removed", removed.map(\.value))
        section("Mode changes", modeChanges.map { "\($0.domain) \($0.from.rawValue) -> \($0.to.rawValue)" })
        section("Pattern changes", patternChanges.map { change in
            let parts = change.added.map { "+\($0)" } + change.removed.map { "-\($0)" }
            return "\(change.domain) (\(parts.joined(separator: " ")))"
        })
        section("Aliases changed", aliasesChanged)
        if otherwiseChanged > 0 {
            body.append("\(Self.plural(otherwiseChanged, "domain")) re-verified or otherwise updated without a policy change")
        }
        if let oldSerial { body.append("Previous serial: \(oldSerial)") }
        if !body.isEmpty {
            lines.append("")
            lines.append(contentsOf: body)
        }
        return lines.joined(separator: "\n")
    }

    private static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
}
