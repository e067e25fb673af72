/// What a list reader (the v1 decoder, the v0.1 importer) has found so far: every structural error as
/// `list.invalid` with its JSON path as subject, until ``maxErrors`` stop the reading. The checks both
/// readers make the same way (the kind of the next value, a repeated key, what stopped the reading) are here.
struct ListReadFindings {
    /// Reading stops after this many errors.
    static let maxErrors = 100

    /// Thrown by ``error(_:_:)`` once there are more than ``maxErrors`` errors.
    struct TooManyErrors: Error {}

    /// The findings, in the order found.
    var issues: [Issue] = []
    /// How many of them are errors.
    private(set) var errors = 0
    /// Put before every error message (`"v0.1: "` for the importer).
    let prefix: String

    init(prefix: String = "") { self.prefix = prefix }

    /// Records an error at `path`; throws ``TooManyErrors`` past ``maxErrors``.
    mutating func error(_ path: @autoclosure () -> String, _ message: String) throws {
        errors += 1
        if errors > Self.maxErrors { throw TooManyErrors() }
        issues.append(Issue(.listInvalid, .error, subject: path(), prefix + message))
    }

    /// `true` when the next value of `r` has `kind`; otherwise reports it, skips it and returns `false`.
    mutating func expect(_ kind: JSONKind, in r: inout JSONReader, _ path: @autoclosure () -> String, _ what: String) throws
        -> Bool
    {
        let found = try r.peekKind()
        if found == kind { return true }
        try error(path(), "must be \(what), found \(found.article)")
        try r.skipValue()
        return false
    }

    /// The next key of the object `r` is reading that is not in `seen` (then added to it), or `nil` at the
    /// object's end; a repeated key is reported as a duplicate at `path` and its value skipped (then
    /// checkpointed, so a streamed reader may drop it).
    mutating func nextNewKey(in r: inout JSONReader, _ first: inout Bool, seen: inout [String], _ path: (String) -> String)
        throws -> String?
    {
        while let (key, _) = try r.nextKey(&first) {
            if !seen.contains(key) {
                seen.append(key)
                return key
            }
            try error(path(key), "duplicate key")
            try r.skipValue()
            r.checkpoint()
        }
        return nil
    }

    /// Records what stopped the reading: a JSON syntax error (with its line and column) or too many errors.
    mutating func stopped(by failure: any Error, in r: JSONReader, tooMany: String) {
        if let e = failure as? JSONSyntaxError {
            let (line, column) = r.lineColumn(e.offset)
            issues.append(Issue(.listInvalid, .error, subject: "line \(line), column \(column)",
                "the file is not valid JSON: \(e.message)"))
        } else {
            issues.append(Issue(.listInvalid, .error, subject: "$", "more than \(Self.maxErrors) errors; " + tooMany))
        }
    }
}
