import Foundation
import PreloadTesting
import Testing

/// Every command's help is written as paragraphs that argument-parser wraps to the terminal: a line break
/// inside a paragraph would come out as a ragged line. Checked on the texts themselves, as
/// `preload --experimental-dump-help` gives them (abstracts, discussions, and each option's help).
@Suite("Help texts") struct HelpTextTests {

    @Test func paragraphsHaveNoHandMadeLineBreaks() async throws {
        let out = try await Tool.run(try Tool.preloadBinary(), ["--experimental-dump-help"], timeout: 60)
        #expect(out.status == 0, "\(out.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        var commands = 0
        var problems: [String] = []
        func check(_ where: String, _ text: String?) {
            guard let text else { return }
            for paragraph in text.components(separatedBy: "\n\n") {
                let trimmed = paragraph.trimmingCharacters(in: .newlines)
                if trimmed.contains("\n") { problems.append("\(`where`): \(trimmed.prefix(60))…") }
                if trimmed.contains("  ") { problems.append("\(`where`): double space in \(trimmed.prefix(60))…") }
            }
        }
        func walk(_ command: [String: Any], _ path: [String]) {
            let name = (path + [command["commandName"] as? String ?? "?"]).joined(separator: " ")
            commands += 1
            check("\(name) abstract", command["abstract"] as? String)
            check("\(name) discussion", command["discussion"] as? String)
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                let label = (argument["names"] as? [[String: Any]])?.first?["name"] as? String ?? "argument"
                check("\(name) \(label)", argument["abstract"] as? String)
                check("\(name) \(label)", argument["discussion"] as? String)
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                walk(sub, path + [command["commandName"] as? String ?? "?"])
            }
        }
        walk(try #require(root["command"] as? [String: Any]), [])
        #expect(commands > 20)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
