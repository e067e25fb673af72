import ArgumentParser
import Foundation
import PreloadCore
import PreloadCuration
import PreloadGit
import PreloadSigning

/// Where and how lists are published: the list repository, the signing key, validity, publisher name
/// and commit author. Shared by `publish` and `validate-all`.
struct PublishOptions: ParsableArguments {
    @Option(name: .long, help: "A path inside the list repository.")
    var repo: String = "."

    @Option(name: .long, help: "Private key (PKCS#8 PEM). Default: env PRELOAD_SIGNING_KEY (a path, or the PEM itself).")
    var signingKey: String?

    @Option(name: .long, help: "How long a list stays valid: N followed by s, m, h, d or w.")
    var validity: ValidityDuration = ValidityDuration(seconds: 14 * 86400)

    @Option(name: .long, help: "Publisher name (default: the committed list's; required for the first list).")
    var publisher: String?

    @Option(name: .long, help: "Commit author name (default: git config user.name).")
    var authorName: String?

    @Option(name: .long, help: "Commit author e-mail (default: git config user.email).")
    var authorEmail: String?

    func validate() throws {
        if (authorName == nil) != (authorEmail == nil) { throw ValidationError("give both --author-name and --author-email") }
    }

    /// The commit author from the flags, if given.
    var author: GitIdentity? {
        guard let authorName, let authorEmail else { return nil }
        return GitIdentity(name: authorName, email: authorEmail)
    }

}

/// `--validity`: a duration such as `14d`, `36h`, `90m`, `3600s` or `2w`.
struct ValidityDuration: ExpressibleByArgument, Sendable {
    let seconds: Int64

    init(seconds: Int64) { self.seconds = seconds }

    init?(argument: String) {
        guard let unit = argument.last, let n = Int64(argument.dropLast()), n > 0 else { return nil }
        let factor: Int64
        switch unit {
        case "s": factor = 1
        case "m": factor = 60
        case "h": factor = 3600
        case "d": factor = 86400
        case "w": factor = 7 * 86400
        default: return nil
        }
        guard n <= Int64.max / factor / 2 else { return nil }
        seconds = n * factor
    }

    var defaultValueDescription: String { "14d" }
}
