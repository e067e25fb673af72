import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why the run lock was not taken.
public enum RunLockError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another process holds it; `holder` is what that process wrote (pid and start time).
    case held(holder: String)
    /// The lock file could not be opened.
    case io(String)

    public var description: String {
        switch self {
        case .held(let holder): "another run holds the lock (\(holder.isEmpty ? "unknown holder" : holder))"
        case .io(let why): "cannot open the lock file: \(why)"
        }
    }
}

/// An exclusive lock on a file in the state directory (`flock(2)`), so that only one `validate-all` runs
/// at a time. The kernel releases it when the holding process dies, however it dies, so a killed run
/// never leaves a stale lock. The file holds the holder's pid and start time for the refusal message.
///
/// A `flock` belongs to the open file description, not to the descriptor, and a process being spawned
/// (between `fork`/`clone` and `exec`, where `O_CLOEXEC` takes effect) shares every description of its
/// parent. Closing our descriptor alone would then leave the lock held, by nobody named, until that
/// process has exec'd. So the lock is given up with an explicit `LOCK_UN`, which releases it on the
/// description whatever else still refers to it.
public final class RunLock: Sendable {
    private let fd: Int32
    /// The lock file.
    public let path: String

    /// Takes the lock without waiting, or throws ``RunLockError/held(holder:)`` naming the holder (empty
    /// when the holder wrote no name: another program, or a run in the instant of taking or releasing it).
    public init(path: String, holder: String) throws(RunLockError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
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
        _ = ftruncate(fd, 0)
        let bytes = Array((holder + "\n").utf8)
        _ = bytes.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
        self.path = path
    }

    deinit {
        _ = ftruncate(fd, 0)
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
