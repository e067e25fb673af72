import ArgumentParser
import Foundation

/// What a command prints as text: lines for stdout (the result) and lines for stderr (refusals, warnings).
struct TextOutput {
    /// Lines for stdout.
    var out: [String] = []
    /// Lines for stderr.
    var err: [String] = []

    init(out: [String] = [], err: [String] = []) {
        self.out = out
        self.err = err
    }
}

/// A command's result: one model, two renderers. `--format json` prints ``json`` (stable keys, sorted);
/// `--format text` prints ``text``. Every command's output model is in this folder, beside its renderers.
protocol CommandResult {
    associatedtype JSONForm: Encodable
    /// The JSON document.
    var json: JSONForm { get }
    /// The text for people (colour only on a TTY without `NO_COLOR`, see ``Console/color(_:_:)``).
    var text: TextOutput { get }
}

extension Console {
    /// Prints `result` in `format`: JSON on stdout, or its text on stdout and stderr.
    static func print(_ result: some CommandResult, _ format: OutputFormat) throws {
        switch format {
        case .json:
            try printJSON(result.json)
        case .text:
            let text = result.text
            for line in text.err { err(line) }
            for line in text.out { out(line) }
        }
    }
}
