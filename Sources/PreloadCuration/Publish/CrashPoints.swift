#if canImport(Glibc)
import Glibc
#endif

/// The named points of a publish run at which a fault-injection test may kill the process, in the order
/// a run reaches them.
public enum CrashPoint: String, CaseIterable, Sendable {
    /// The list is rendered; nothing signed or written.
    case afterRender = "after-render"
    /// The list is signed; nothing written.
    case afterSign = "after-sign"
    /// The work tree was repaired from HEAD (if it needed to be); no new objects.
    case afterRepair = "after-repair"
    /// The signed commit object is written; no reference moved.
    case afterCommitObject = "after-commit-object"
    /// The branch points to the new commit; the work tree still has the old files.
    case afterRefUpdate = "after-ref-update"
    /// The new list is in a temporary file beside `list/preload.json`, not renamed yet.
    case listTemporaryWritten = "list-temp-written"
    /// `list/preload.json` is the new list; its signature is still the old one.
    case afterWriteList = "after-write-list"
    /// `list/preload.json.sig` is the new signature.
    case afterWriteSignature = "after-write-sig"
    /// `list/allowed_signers` was written (bootstrap only).
    case afterWriteAllowedSigners = "after-write-allowed-signers"
    /// The index records the new files: the run is complete.
    case afterIndexUpdate = "after-index-update"
}

/// Fault injection for crash-safety tests: when the run reaches the chosen point, the process kills itself
/// with `SIGKILL` (no clean-up, no buffered output flushed), like a power cut or `kill -9`.
public struct CrashPoints: Sendable {
    /// The environment variable that names the point: `PRELOAD_CRASH_AT=after-ref-update`.
    public static let environmentVariable = "PRELOAD_CRASH_AT"

    /// The point to die at, if any.
    public let target: CrashPoint?

    /// Never crashes.
    public static let none = CrashPoints(target: nil)

    /// Dies at `target`.
    public init(target: CrashPoint?) { self.target = target }

    /// Reads ``environmentVariable`` from `environment`; an unknown name is an error so that a mistyped
    /// test does not silently pass.
    public init(environment: [String: String]) throws(PublishError) {
        guard let raw = environment[Self.environmentVariable], !raw.isEmpty else {
            self.target = nil
            return
        }
        guard let point = CrashPoint(rawValue: raw) else {
            throw .usage("\(Self.environmentVariable)=\(raw) is not a crash point; known: "
                + CrashPoint.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.target = point
    }

    /// Kills the process if `point` is the target.
    public func reached(_ point: CrashPoint) {
        guard point == target else { return }
        raise(SIGKILL)
    }
}
