import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a ``FileLock`` was not taken.
public enum FileLockError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another process holds it; `holder` is what that process wrote (empty when it wrote nothing: another
    /// program, or a holder in the instant of taking or releasing it).
    case held(holder: String)
    /// The lock file could not be opened or locked.
    case io(String)

    public var description: String {
        switch self {
        case .held(let holder): "another run holds the lock (\(holder.isEmpty ? "unknown holder" : holder))"
        case .io(let why): "cannot open the lock file: \(why)"
        }
    }
}

/// An exclusive lock on a file (`flock(2)`, taken without waiting), held until the value is dropped. The
/// kernel releases it when the holding process dies, however it dies, so a killed run never leaves a stale
/// lock. With a `holder`, the file holds the holder's name (pid and start time) for the refusal message.
///
/// A `flock` belongs to the open file description, not to the descriptor, and a process being spawned
/// (between `fork`/`clone` and `exec`, where `O_CLOEXEC` takes effect) shares every description of its
/// parent. Closing our descriptor alone would then leave the lock held, by nobody named, until that
/// process has exec'd. So the lock is given up with an explicit `LOCK_UN`, which releases it on the
/// description whatever else still refers to it.
public final class FileLock: Sendable {
    private let fd: Int32
    private let named: Bool
    /// The lock file.
    public let path: String

    /// Takes the lock on `path` (created with `mode`) without waiting, or throws ``FileLockError/held(holder:)``
    /// naming the holder. `holder`, when given, is written into the file while the lock is held.
    public init(path: String, holder: String? = nil, mode: mode_t = 0o644) throws(FileLockError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io("\(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let err = errno
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            guard err == EWOULDBLOCK else { throw .io("\(path): \(String(cString: strerror(err)))") }
            let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
            throw .held(holder: text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let holder {
            _ = ftruncate(fd, 0)
            let bytes = Array((holder + "\n").utf8)
            _ = bytes.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        self.fd = fd
        self.named = holder != nil
        self.path = path
    }

    deinit {
        if named { _ = ftruncate(fd, 0) }
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
