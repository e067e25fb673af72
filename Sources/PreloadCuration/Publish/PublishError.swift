import PreloadCore
import PreloadGit
import PreloadSigning
import PreloadSystem

/// Why `preload publish` refused or failed. Refusals (everything but ``git(_:)``, ``io(_:)`` and
/// ``workTreeNotUpdated(commit:cause:)``) happen before anything is written.
public enum PublishError: Error, Sendable, CustomStringConvertible {
    /// A bad request (flags, environment).
    case usage(String)
    /// The repository has no work tree.
    case bareRepository(String)
    /// HEAD is detached: publishing moves a branch.
    case detachedHead
    /// Another `preload publish` holds the repository's publish lock.
    case busy(String)
    /// HEAD has no `list/preload.json` and `--bootstrap` was not given.
    case noCommittedList
    /// `--bootstrap` was given but HEAD already has a list.
    case alreadyBootstrapped(serial: UInt64)
    /// HEAD has a list but no (or an unreadable) `list/allowed_signers`.
    case allowedSignersUnusable(String)
    /// The committed list (or its signature) does not verify against the committed allowed signers.
    case committedListUnverified(ListVerificationError)
    /// The signing key is not allowed to sign lists (namespace `preload-list`) at this time.
    case signingKeyNotAllowed(fingerprint: String, decision: AllowedSigners.Decision)
    /// The requested serial is not greater than the committed one.
    case serialNotGreater(requested: UInt64, committed: UInt64)
    /// No publisher name: give `--publisher` (bootstrap) or keep the committed list's.
    case publisherMissing
    /// The list to publish breaks a format rule.
    case listInvalid([Issue])
    /// The branch moved while this run was preparing its commit (another publisher won); nothing changed.
    case concurrentUpdate(branch: String)
    /// The new commit is in place but the work tree or index could not be updated; run the repair.
    case workTreeNotUpdated(commit: String, cause: String)
    /// Signing failed.
    case signing(SigningError)
    /// libgit2 failed.
    case git(GitError)
    /// A file could not be read or written.
    case io(String)

    public var description: String {
        switch self {
        case .usage(let why): why
        case .bareRepository(let path): "\(path) is a bare repository; publishing needs a work tree"
        case .detachedHead: "HEAD is detached; check out the branch the list is published on"
        case .busy(let path): "another preload publish is running on this repository (lock \(path))"
        case .noCommittedList:
            "HEAD has no list/preload.json; to publish the first list of a repository use --bootstrap"
        case .alreadyBootstrapped(let serial):
            "--bootstrap refused: HEAD already has a list (serial \(serial)); publish without --bootstrap"
        case .allowedSignersUnusable(let why): "list/allowed_signers: \(why)"
        case .committedListUnverified(let error):
            "the committed list does not verify, refusing to publish over it: \(error)"
        case .signingKeyNotAllowed(let fp, let decision):
            "the signing key \(fp) may not sign lists (\(Self.explain(decision))); add it to list/allowed_signers "
                + "in a reviewed commit first"
        case .serialNotGreater(let requested, let committed):
            "serial \(requested) is not greater than the committed list's serial \(committed)"
        case .publisherMissing: "no publisher name: give --publisher"
        case .listInvalid(let issues):
            "the list to publish is invalid: " + issues.filter { $0.severity == .error }.prefix(5)
                .map { "\($0.subject ?? "$"): \($0.message)" }.joined(separator: "; ")
        case .concurrentUpdate(let branch):
            "\(branch) moved while publishing (another publisher?); nothing was changed, run again"
        case .workTreeNotUpdated(let commit, let cause):
            "commit \(commit) is published but the work tree could not be updated (\(cause)); run "
                + "`preload publish --repair`"
        case .signing(let error): "signing failed: \(error)"
        case .git(let error): "git: \(error)"
        case .io(let why): why
        }
    }

    static func explain(_ decision: AllowedSigners.Decision) -> String {
        switch decision {
        case .allowed: "allowed"
        case .unknownKey: "not in list/allowed_signers"
        case .namespaceNotAllowed: "not listed for namespace 'preload-list'"
        case .notYetValid(let after): "valid only after \(after)"
        case .expired(let before): "valid only until \(before)"
        }
    }
}

extension PublishError {
    /// A failure of git or of the file system while working on the repository.
    init(_ error: any Error) {
        switch error {
        case let error as GitError: self = .git(error)
        case let error as FileSystemError: self = .git(GitError(error))
        default: self = .io("\(error)")
        }
    }

    /// Takes the exclusive lock on `<git dir>/preload-publish.lock` for the length of a publish or repair
    /// run; ``busy(_:)`` when another run holds it.
    static func lock(gitDirectory: String) throws(PublishError) -> FileLock {
        let path = gitDirectory + "preload-publish.lock"
        do {
            return try FileLock(path: path)
        } catch {
            switch error {
            case .held: throw .busy(path)
            case .io(let why): throw .io(why)
            }
        }
    }
}
