import PreloadCore

/// The message of a publish commit: ``ListDiff``'s summary of what changed since the committed list
/// (domains added, removed, mode and pattern changes — counts and names), then the list's dates.
enum CommitMessage {
    static func make(previous: PreloadList?, next: PreloadList) -> (message: String, summary: [String]) {
        let summary = ListDiff(old: previous, new: next).summary
        let message = summary + "\n\nGenerated \(next.generated), expires \(next.expires).\n"
        return (message, summary.split(separator: "\n", omittingEmptySubsequences: true).map(String.init))
    }
}
