import ArgumentParser
import Foundation
import PreloadCore
import PreloadSigning

/// A command's input file larger than its cap (``InputLimits``): reported as a finding with its own code,
/// exit 1.
struct InputTooLarge: Error, CustomStringConvertible {
    var failure: BoundedFile.Failure
    var description: String { failure.description }
    /// The finding, with `code`.
    func issue(_ code: IssueCode) -> Issue { Issue(code, .error, failure.description) }
}

/// Reading a command's input files through ``BoundedFile``: regular files only (or standard input for `-`
/// where a command takes it), each kind of file with its cap (``InputLimits``).
enum InputFile {
    /// Opens `path`. A file that cannot be read or is not a regular file (a FIFO, a device, a directory) is
    /// a usage error: the reason goes to stderr and the command exits 64. A file above `limit` throws
    /// ``InputTooLarge``.
    static func open(_ path: String, limit: Int, standardInput: Bool = false) throws -> BoundedFile {
        do {
            return try BoundedFile(path, limit: limit, allowStandardInput: standardInput)
        } catch {
            throw exit(error)
        }
    }

    /// The whole of `path`; see ``open(_:limit:standardInput:)``.
    static func read(_ path: String, limit: Int, standardInput: Bool = false) throws -> [UInt8] {
        let file = try open(path, limit: limit, standardInput: standardInput)
        do {
            return try file.readAll()
        } catch {
            throw exit(error)
        }
    }

    /// A list file (`-` allowed): above ``InputLimits/maxListBytes``, `list.too-large` is printed and the
    /// command exits 1.
    static func readList(_ path: String) throws -> [UInt8] {
        do {
            return try read(path, limit: InputLimits.maxListBytes, standardInput: true)
        } catch let error as InputTooLarge {
            Console.err("preload: [list.too-large] \(error)")
            throw Exit.blocked
        }
    }

    /// ``InputTooLarge`` for a file above its cap; otherwise the usage exit, with the reason on stderr.
    static func exit(_ failure: BoundedFile.Failure) -> any Error {
        if case .tooLarge = failure { return InputTooLarge(failure: failure) }
        Console.err("preload: \(failure)")
        return Exit.usage
    }
}
