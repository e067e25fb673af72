import ArgumentParser
import Foundation

/// Reading a command's input file (or standard input for `-`), bounded.
enum InputFile {
    /// At most `limit` bytes of `path` (`-` for standard input). A file that cannot be read is a usage
    /// error: the reason goes to stderr and the command exits 64.
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw failure(path, errno) }
        defer { if path != "-" { close(fd) } }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < limit {
            let wanted = min(buffer.count, limit - bytes.count)
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, wanted) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(path, errno)
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }

    private static func failure(_ path: String, _ code: Int32) -> ExitCode {
        Console.err("preload: cannot read '\(path)': \(String(cString: strerror(code)))")
        return Exit.usage
    }
}
