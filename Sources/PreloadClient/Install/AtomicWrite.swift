import Foundation

/// A failure of the client's own file handling (not a finding about a list or a domain).
public struct ClientFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed, with the path and the system's reason.
    public var description: String

    /// An error with `description`.
    public init(_ description: String) { self.description = description }

    /// The current `errno` as an error about `what`.
    static func errno(_ what: String) -> ClientFileError {
        ClientFileError("\(what): \(String(cString: strerror(Foundation.errno)))")
    }
}

/// Crash-safe file replacement: write a temporary file in the same directory, flush it, rename it over the
/// target, flush the directory. Readers see the old file or the new one, never a mix.
public enum AtomicWrite {
    /// Replaces `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(ClientFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(
            ".\((path as NSString).lastPathComponent).tmp-\(UUID().uuidString.prefix(8))")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .errno("create \(temporary)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Foundation.errno == EINTR { continue }
                let error = ClientFileError.errno("write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            let error = ClientFileError.errno("fsync \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        try rename(temporary, over: path)
    }

    /// Renames `source` over `target` atomically and flushes the target's directory.
    public static func rename(_ source: String, over target: String) throws(ClientFileError) {
        guard Foundation.rename(source, target) == 0 else {
            let error = ClientFileError.errno("rename \(source) to \(target)")
            unlink(source)
            throw error
        }
        syncDirectory((target as NSString).deletingLastPathComponent)
    }

    /// Points the symlink `link` at `destination`, replacing it atomically (a new link renamed over it).
    public static func symlink(_ link: String, to destination: String) throws(ClientFileError) {
        let temporary = link + ".tmp-\(UUID().uuidString.prefix(8))"
        guard Foundation.symlink(destination, temporary) == 0 else { throw .errno("symlink \(temporary)") }
        try rename(temporary, over: link)
    }

    /// Flushes a directory's entries (after renames), best effort.
    public static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
