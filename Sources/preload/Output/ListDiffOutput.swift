import PreloadCore

/// `preload list diff`: what changed between two lists.
struct ListDiffOutput: CommandResult {
    var diff: ListDiff

    var json: ListDiffJSON { ListDiffJSON(diff) }
    var text: TextOutput { TextOutput(out: [diff.summary]) }
}

/// The JSON form of a list diff: stable snake_case keys.
struct ListDiffJSON: Encodable {
    struct ModeChange: Encodable {
        var domain: String
        var from: String
        var to: String
    }
    struct PatternChange: Encodable {
        var domain: String
        var added: [String]
        var removed: [String]
    }
    var oldSerial: UInt64?
    var newSerial: UInt64
    var added: [String]
    var removed: [String]
    var modeChanges: [ModeChange]
    var patternChanges: [PatternChange]
    var aliasesChanged: [String]
    var otherwiseChanged: Int
    var summary: String

    enum CodingKeys: String, CodingKey {
        case added, removed, summary
        case oldSerial = "old_serial", newSerial = "new_serial", modeChanges = "mode_changes"
        case patternChanges = "pattern_changes", aliasesChanged = "aliases_changed", otherwiseChanged = "otherwise_changed"
    }

    init(_ d: ListDiff) {
        oldSerial = d.oldSerial
        newSerial = d.newSerial
        added = d.added.map(\.value)
        removed = d.removed.map(\.value)
        modeChanges = d.modeChanges.map { ModeChange(domain: $0.domain.value, from: $0.from.rawValue, to: $0.to.rawValue) }
        patternChanges = d.patternChanges.map {
            PatternChange(domain: $0.domain.value, added: $0.added.map(\.description), removed: $0.removed.map(\.description))
        }
        aliasesChanged = d.aliasesChanged
        otherwiseChanged = d.otherwiseChanged
        summary = d.summary
    }
}
