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
                             beforeRename: () -> Void = {}) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { all in
            do throws(FileSystemError) {
                try write(to: path, mode: mode, beforeRename: beforeRename) { (fd, temporary) throws(FileSystemError) in
                    try writeAll(fd, all, temporary)
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Like ``write(_:to:mode:beforeRename:)``, with the content handed out piece by piece by `read` (which
    /// fills the buffer it is given and returns how many bytes it wrote, 0 at the end); exactly `size`
    /// bytes are expected.
    public static func write(size: Int, reading read: (UnsafeMutableRawBufferPointer) -> Int, to path: String,
                             mode: mode_t = 0o644) throws(FileSystemError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
        defer { buffer.deallocate() }
        try write(to: path, mode: mode, beforeRename: {}) { (fd, temporary) throws(FileSystemError) in
            var total = 0
            while case let n = read(buffer), n > 0 {
                try writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<n]), temporary)
                total += n
            }
            guard total == size else { throw FileSystemError("write \(temporary)", reason: "got \(total) of \(size) bytes") }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ temporary: String) throws(FileSystemError) {
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, min(bytes.count - written, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write \(temporary)")
            }
            written += n
        }
    }

    private static func write(to path: String, mode: mode_t, beforeRename: () -> Void,
                              content: (Int32, String) throws(FileSystemError) -> Void) throws(FileSystemError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FileSystemError("mkdir \(directory)", reason: "\(error)")
        }
        let temporary = directory + "/" + temporaryPrefix + url.lastPathComponent
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create \(temporary)") }
        do {
            try content(fd, temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
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
        guard Glibc.rename(temporary, path) == 0 else {
            let error = failure("rename \(temporary)")
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    /// Renames `source` over `target` atomically (a file or a directory) and flushes the target's
    /// directory; `source` is removed when the rename fails.
    public static func rename(_ source: String, over target: String) throws(FileSystemError) {
        guard Glibc.rename(source, target) == 0 else {
            let error = FileSystemError.errno("rename \(source) to \(target)")
            unlink(source)
            throw error
        }
        syncDirectory((target as NSString).deletingLastPathComponent)
    }

    /// Points the symlink `link` at `destination`, replacing it atomically (a new link renamed over it).
    public static func symlink(_ link: String, to destination: String) throws(FileSystemError) {
        let directory = (link as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + temporaryPrefix + (link as NSString).lastPathComponent
        unlink(temporary)
        guard Glibc.symlink(destination, temporary) == 0 else { throw .errno("symlink \(temporary)") }
        try rename(temporary, over: link)
    }

    /// Flushes a directory's entries (after renames), best effort.
    public static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Removes temporary files left in `directory` by an interrupted ``write(_:to:mode:)``.
    public static func removeLeftovers(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(temporaryPrefix) {
            unlink(directory + "/" + name)
        }
    }

    /// Reads a whole file; `nil` if it does not exist. Only a regular file is read (opened with
    /// `O_NONBLOCK`, so a FIFO in its place does not block).
    public static func read(_ path: String) throws(FileSystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open \(path)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat \(path)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw FileSystemError("read \(path)", reason: "not a regular file") }
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

    /// Compares a file with bytes handed over piece by piece (``feed(_:)``), reading the file alongside:
    /// neither is ever held whole. A missing file, one that is not a regular file, or one of another size
    /// differs at once, without being read.
    public final class Comparison {
        private var fd: Int32 = -1
        private var remaining: Int
        /// `false` as soon as the file is known to differ.
        public private(set) var equal: Bool
        private var chunk: [UInt8] = []

        /// Compares `path` with `size` bytes to come.
        public init(_ path: String, size: Int) {
            remaining = size
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            var info = stat()
            guard fd >= 0, fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) == size else {
                if fd >= 0 { close(fd) }
                equal = false
                return
            }
            self.fd = fd
            equal = true
        }

        deinit { if fd >= 0 { close(fd) } }

        /// The next bytes of the expected content.
        public func feed(_ bytes: UnsafeRawBufferPointer) {
            guard equal, bytes.count > 0 else { return }
            guard bytes.count <= remaining else { return differ() }
            if chunk.count < bytes.count { chunk = [UInt8](repeating: 0, count: bytes.count) }
            var got = 0
            while got < bytes.count {
                let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, bytes.count - got) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return differ() }
                got += n
            }
            let same = chunk.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
            guard same else { return differ() }
            remaining -= bytes.count
        }

        /// Whether the file held exactly the bytes fed (all `size` of them).
        public var isEqual: Bool { equal && remaining == 0 }

        private func differ() {
            equal = false
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    private static func failure(_ operation: String) -> FileSystemError { .errno(operation) }
}
