import CGit2
import Foundation
import PreloadSystem

/// libgit2's one-time global initialisation, run lazily (and exactly once) before the first call.
private let libgit2Initialization: Int32 = git_libgit2_init()

/// Ensures `git_libgit2_init` has run. Every entry point of this module calls it.
@inline(__always) func ensureLibgit2() { _ = libgit2Initialization }

/// A failure inside libgit2, with its own message (`git_error_last`).
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// What we were doing (the libgit2 function, usually).
    public let operation: String
    /// libgit2's return code (`GIT_ENOTFOUND`, `GIT_EMODIFIED`…).
    public let code: Int32
    /// libgit2's message, if it left one.
    public let message: String

    /// Made by ``capture(_:_:)`` or for our own precondition failures.
    public init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    public var description: String {
        message.isEmpty ? "\(operation) failed (libgit2 code \(code))" : "\(operation) failed: \(message)"
    }

    /// The reference had moved since it was read (compare-and-swap lost).
    public var isConcurrentModification: Bool {
        code == GIT_EMODIFIED.rawValue || code == GIT_EEXISTS.rawValue
    }
    /// The object or reference does not exist.
    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    /// A lock file was in the way (another writer, or a stale lock left by a crash).
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }

    /// The one error-translation point for libgit2: reads the thread-local `git_error_last()`. Call it
    /// synchronously, right after the failing call.
    static func capture(_ operation: String, _ code: Int32) -> GitError {
        var message = ""
        if let last = git_error_last(), let text = last.pointee.message {
            message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return GitError(operation: operation, code: code, message: message)
    }

    /// Our own failure (not from libgit2), with a message.
    /// A file-system failure met while working on the repository's files (the work tree).
    public init(_ error: FileSystemError) {
        self.init(operation: error.operation, code: -1, message: error.reason)
    }

    static func usage(_ operation: String, _ message: String) -> GitError {
        GitError(operation: operation, code: -1, message: message)
    }
}

/// Runs `body`, turning a negative libgit2 return code into a captured ``GitError``.
@inline(__always) func check(_ operation: String, _ body: () -> Int32) throws(GitError) {
    let rc = body()
    if rc < 0 { throw GitError.capture(operation, rc) }
}

/// A git object id (SHA-1, 20 bytes).
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The raw 20 bytes.
    public let bytes: [UInt8]

    init(_ oid: git_oid) {
        bytes = withUnsafeBytes(of: oid.id) { Array($0) }
    }

    /// Parses 40 hex digits.
    public init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count == 40 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 40, by: 2) {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        bytes = out
    }

    var oid: git_oid {
        var oid = git_oid()
        bytes.withUnsafeBufferPointer { _ = git_oid_fromraw(&oid, $0.baseAddress) }
        return oid
    }

    /// 40 lower-case hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

/// A person in a commit: name and e-mail.
public struct GitIdentity: Hashable, Sendable {
    /// Display name.
    public var name: String
    /// E-mail address.
    public var email: String
    /// An identity.
    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

/// Runs blocking libgit2 work on a dedicated thread, never on Swift's cooperative pool.
///
/// ``GitRepository`` is synchronous and not `Sendable`: open it, use it and drop it inside one `body`.
/// All bodies run, one at a time, on one long-lived thread that never exits: a thread that ended while
/// the process exits would race its thread-local clean-up (OpenSSL's and libgit2's error state) against
/// OpenSSL's `atexit` clean-up.
public enum GitThread {
    /// The one git thread: a pool of one thread that never ends, with a stack of 8 MiB.
    static let pool = BlockingThreadPool(name: "preload-git", maximumThreads: 1, idleTimeout: nil, stackSize: 8 << 20)

    /// Runs `body` on the git thread and resumes with its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run(body)
    }
}
