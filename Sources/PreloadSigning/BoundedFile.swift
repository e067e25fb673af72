import Foundation

/// The size caps on the files `preload` reads, one per kind of file, the same in every command and in the
/// client (README, "Input limits").
public enum InputLimits {
    /// Lists (`list verify`, `lint list`, `list convert`/`diff`, `publish --entries`, `sync`): 256 MiB. A v1
    /// list of a million domains is about 200 MB.
    public static let maxListBytes = 256 << 20
    /// SSH signatures (`.sig` files): 64 KiB. An Ed25519 signature is about 300 bytes.
    public static let maxSignatureBytes = 64 << 10
    /// Keys and allowed-signers files: 64 KiB.
    public static let maxKeyFileBytes = 64 << 10
}

/// A file opened for reading with a size cap: how every command and the client read their input files.
///
/// - Only regular files are read. The file is opened with `O_NONBLOCK`, so a FIFO without a writer does
///   not block the open, and anything that is not a regular file (a FIFO, a device such as `/dev/zero`, a
///   directory, a socket) is refused before a byte is read. `-` means standard input where the caller
///   allows it (bounded the same way).
/// - A file above the cap is refused from its size before it is read; one that grows past the cap while
///   being read is refused when it does.
///
/// Blocking I/O: use it from a thread that may block. Not `Sendable`; owns its descriptor.
public final class BoundedFile {
    /// Why a file was not read.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// It could not be opened or read (missing, permissions, I/O error).
        case unreadable(path: String, reason: String)
        /// It is not a regular file.
        case notRegular(path: String, kind: String)
        /// It is larger than the cap (`size` when known before reading).
        case tooLarge(path: String, size: Int?, limit: Int)

        /// The file's path.
        public var path: String {
            switch self {
            case .unreadable(let path, _), .notRegular(let path, _), .tooLarge(let path, _, _): path
            }
        }

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read '\(path)': \(reason)"
            case .notRegular(let path, let kind): "'\(path)' is \(kind), not a regular file"
            case .tooLarge(let path, let size, let limit):
                "'\(path)' is " + (size.map { "\($0) bytes" } ?? "larger than that") + ", above the limit of \(limit) bytes"
            }
        }
    }

    /// The path given (`-` for standard input).
    public let path: String
    /// The cap, in bytes.
    public let limit: Int
    /// The file's size when it was opened (`nil` for standard input).
    public let size: Int?
    /// Why a ``read(into:)`` returned 0 before the end of the file, if it did.
    public private(set) var failure: Failure?
    private let fd: Int32
    private var total = 0

    /// Opens `path` (`-`: standard input, when `allowStandardInput`), refusing what is not a regular file
    /// or is larger than `limit` bytes.
    public init(_ path: String, limit: Int, allowStandardInput: Bool = false) throws(Failure) {
        self.path = path
        self.limit = limit
        if path == "-" && allowStandardInput {
            fd = STDIN_FILENO
            size = nil
            return
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreadable(path: path, reason: reason)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notRegular(path: path, kind: Self.kind(info.st_mode))
        }
        guard Int(info.st_size) <= limit else {
            close(fd)
            throw .tooLarge(path: path, size: Int(info.st_size), limit: limit)
        }
        self.fd = fd
        size = Int(info.st_size)
    }

    deinit { if fd != STDIN_FILENO { close(fd) } }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// Reads the next bytes into `buffer`; returns how many, 0 at the end of the file — or on a failure,
    /// which is then in ``failure``. Never hands out more than ``limit`` bytes in all.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard failure == nil, buffer.count > 0 else { return 0 }
        // One byte past the cap tells a file that grew past it from one that ends exactly at it.
        let wanted = min(buffer.count, limit - total + 1)
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, wanted)
            if n < 0 {
                if errno == EINTR { continue }
                failure = .unreadable(path: path, reason: String(cString: strerror(errno)))
                return 0
            }
            total += n
            if total > limit {
                failure = .tooLarge(path: path, size: nil, limit: limit)
                return 0
            }
            return n
        }
    }

    /// The whole file.
    public func readAll() throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(size ?? 0, limit) + 1)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { chunk.deallocate() }
        while case let n = read(into: chunk), n > 0 {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        }
        if let failure { throw failure }
        return bytes
    }

    /// The whole file at `path`; see ``init(_:limit:allowStandardInput:)``.
    public static func read(_ path: String, limit: Int, allowStandardInput: Bool = false) throws(Failure) -> [UInt8] {
        try BoundedFile(path, limit: limit, allowStandardInput: allowStandardInput).readAll()
    }
}
