import Foundation
import PreloadSigning

/// Where `preload sync` gets the list.
public enum ListSource: Hashable, Sendable, CustomStringConvertible {
    /// `https://…/preload.json`; the signature is the same URL with `.sig` appended.
    case https(String)
    /// A local file; the signature is beside it with `.sig` appended.
    case file(String)
    /// A git repository (URL or local path) holding `list/preload.json` and its signature; the commit's
    /// SSH signature is checked too.
    case git(String)

    /// Classifies `--source`: `https://` URLs, `git+…`/`….git`/`ssh://`/`git://` or a directory with a
    /// `.git`, otherwise a file path. Plain `http://` is refused (`nil`).
    public init?(_ text: String) {
        let lower = text.lowercased()
        if lower.hasPrefix("http://") { return nil }
        if lower.hasPrefix("git+") {
            self = .git(String(text.dropFirst(4)))
        } else if lower.hasPrefix("https://") {
            self = lower.hasSuffix(".git") ? .git(text) : .https(text)
        } else if lower.hasPrefix("ssh://") || lower.hasPrefix("git://") || lower.hasSuffix(".git") {
            self = .git(text)
        } else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory), isDirectory.boolValue {
                self = .git(text)
            } else {
                self = .file(text)
            }
        }
    }

    public var description: String {
        switch self {
        case .https(let url): url
        case .file(let path): path
        case .git(let repo): "git:\(repo)"
        }
    }
}

/// What a source yielded.
public enum ListFetchResult: Hashable, Sendable {
    /// The list bytes and the armoured signature.
    case fetched(list: [UInt8], signature: String)
    /// The source could not be reached or read (network down, HTTP error, missing file): temporary.
    case unreachable(String)
    /// The source answered with something that can never verify (e.g. an unsigned git commit).
    case refused(ListRefusal)
    /// The source said its list is the one whose ETag was sent (HTTP 304): nothing was downloaded.
    case notModified
}

/// Gets list bytes and signature from a source.
public protocol ListFetching: Sendable {
    /// Fetches from `source`, bounding sizes and time.
    func fetch(_ source: ListSource) async -> ListFetchResult
    /// Fetches only when the source's list changed since the one tagged `etag` (`If-None-Match`), where the
    /// source supports it (HTTPS); also returns the new list's tag. By default, a plain ``fetch(_:)``.
    func fetch(_ source: ListSource, ifNoneMatch etag: String?) async -> (ListFetchResult, etag: String?)
}

extension ListFetching {
    public func fetch(_ source: ListSource, ifNoneMatch etag: String?) async -> (ListFetchResult, etag: String?) {
        (await fetch(source), nil)
    }
}

/// Reads `.file` sources (and refuses others) through ``BoundedFile``: regular files only, the list up to
/// ``maxListBytes``, its signature up to ``InputLimits/maxSignatureBytes`` — checked before either is read.
public struct LocalListFetcher: ListFetching {
    /// The largest list accepted, in bytes.
    public var maxListBytes: Int

    /// A fetcher refusing lists above `maxListBytes` (default ``InputLimits/maxListBytes``).
    public init(maxListBytes: Int = InputLimits.maxListBytes) { self.maxListBytes = maxListBytes }

    public func fetch(_ source: ListSource) async -> ListFetchResult {
        guard case .file(let path) = source else { return .unreachable("not a local file source: \(source)") }
        return Self.read(path, maxListBytes: maxListBytes)
    }

    /// Reads `path` and `path.sig`. A missing or unreadable file is `unreachable` (it may appear: retry);
    /// one above its cap, or not a regular file, is refused.
    static func read(_ path: String, maxListBytes: Int) -> ListFetchResult {
        let signature: [UInt8]
        do {
            signature = try BoundedFile.read(path + ".sig", limit: InputLimits.maxSignatureBytes)
        } catch {
            switch error {
            case .unreadable: return .unreachable("\(error)")
            case .tooLarge, .notRegular:
                return .refused(ListRefusal(.listSignatureMalformed,
                                            "\(error); an SSH signature is a few hundred bytes"))
            }
        }
        do {
            let list = try BoundedFile.read(path, limit: maxListBytes)
            return .fetched(list: list, signature: String(decoding: signature, as: UTF8.self))
        } catch {
            switch error {
            case .unreadable: return .unreachable("\(error)")
            case .tooLarge: return .refused(ListRefusal(.listTooLarge, "\(error)"))
            case .notRegular: return .refused(ListRefusal(.listInvalid, "\(error)"))
            }
        }
    }
}
