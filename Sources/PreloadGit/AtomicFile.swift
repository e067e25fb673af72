import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe file replacement: write a temporary file in the same directory, flush it, rename it over
/// the target, flush the directory. A reader (or a crash) sees the old file or the new one, never a mix.
public enum AtomicFile {
    /// The prefix of temporary files; leftovers from a crash can be recognised (and removed) by it.
    public static let temporaryPrefix = ".preload-tmp."

    /// Replaces `path` with `bytes` atomically (mode `mode`), creating parent directories as needed.
    /// `beforeRename` runs once the temporary file is complete and flushed (fault-injection tests).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                             beforeRename: () -> Void = {}) throws(GitError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .usage("mkdir \(directory)", "\(error)")
        }
        let temporary = directory + "/" + temporaryPrefix + url.lastPathComponent
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create \(temporary)") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, min($0.count, 1 << 30)) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = failure("write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            written += n
        }
        fchmod(fd, mode)
        if fsync(fd) != 0 {
            let error = failure("fsync \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        beforeRename()
        guard rename(temporary, path) == 0 else {
            let error = failure("rename \(temporary)")
            unlink(temporary)
            throw error
        }
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// Removes temporary files left in `directory` by an interrupted ``write(_:to:mode:)``.
    public static func removeLeftovers(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(temporaryPrefix) {
            unlink(directory + "/" + name)
        }
    }

    /// Reads a whole file; `nil` if it does not exist.
    public static func read(_ path: String) throws(GitError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open \(path)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat \(path)") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read \(path)")
            }
            if n == 0 { break }
            offset += n
        }
        return Array(bytes.prefix(offset))
    }

    private static func failure(_ operation: String) -> GitError {
        .usage(operation, String(cString: strerror(errno)))
    }
}
