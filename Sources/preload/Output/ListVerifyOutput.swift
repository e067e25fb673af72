import PreloadClient
import PreloadCore
import PreloadSigning

/// `preload list verify`: the verified list's facts, or why it was refused.
struct ListVerifyOutput: CommandResult {
    /// Why a list was refused: a verification refusal, or an input above its cap.
    struct Refusal: Error {
        var code: IssueCode
        var issues: [Issue]
        var description: String
    }

    var file: String
    var outcome: Result<VerifiedList, Refusal>

    struct Report: Encodable {
        var valid: Bool
        var file: String
        var code: String?
        var serial: UInt64?
        var generated: Timestamp?
        var expires: Timestamp?
        var publisher: String?
        var domains: Int?
        var enforce: Int?
        var testing: Int?
        var aliases: Int?
        var signer: String?
        var principals: [String]?
        var issues: [Issue]
    }

    /// Entries whose policy is `enforce`, counted in place: a filtered copy of a million entries is 64 MB.
    private static func enforceCount(_ list: PreloadList) -> Int {
        var enforce = 0
        for entry in list.entries where list.resolvedPolicy(of: entry)?.mode == .enforce { enforce += 1 }
        return enforce
    }

    var json: Report {
        switch outcome {
        case .success(let verified):
            let list = verified.list
            let enforce = Self.enforceCount(list)
            return Report(
                valid: true, file: file, serial: list.serial, generated: list.generated, expires: list.expires,
                publisher: list.publisher, domains: list.entries.count, enforce: enforce,
                testing: list.entries.count - enforce, aliases: list.aliases.count,
                signer: verified.signer.fingerprint, principals: verified.principals, issues: verified.warnings)
        case .failure(let refusal):
            return Report(valid: false, file: file, code: refusal.code.rawValue, issues: refusal.issues)
        }
    }

    var text: TextOutput {
        switch outcome {
        case .success(let verified):
            let list = verified.list
            let enforce = Self.enforceCount(list)
            let who = verified.principals.isEmpty ? "" : " (\(verified.principals.joined(separator: ", ")))"
            return TextOutput(out: [
                "\(Console.color("verified", "32")) \(file): serial \(list.serial), signed by \(verified.signer.fingerprint)\(who)",
                "generated \(list.generated), expires \(list.expires), publisher \(list.publisher)",
                "\(list.entries.count) domains (\(enforce) enforce, \(list.entries.count - enforce) testing), \(list.aliases.count) aliases",
            ] + verified.warnings.map { "warning \($0.code): \($0.message)" })
        case .failure(let refusal):
            return TextOutput(err: ["\(Console.color("refused", "31")) \(file) [\(refusal.code)]: \(refusal.description)"])
        }
    }
}
