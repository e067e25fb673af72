import Foundation
import NIOHTTP1
import PreloadSigning
import Synchronization

/// The published list's files (`list/preload.json`, `.sig`, `allowed_signers`) from the list repository's
/// work tree, each with a strong `ETag` (SHA-256 of its bytes), `Last-Modified` and `Cache-Control`;
/// `If-None-Match` with the current tag answers `304` without a body.
///
/// A file is read again only when its size, inode or modification time changed (`publish` replaces files
/// by rename), so a request costs one `stat`.
public final class PublishedFiles: Sendable {
    /// The repository work tree, or `nil` when the service publishes nothing.
    public let root: String?
    /// `Cache-Control` of the list files.
    public let cacheControl: String
    private struct Entry: Sendable {
        var identity: FileIdentity
        var body: [UInt8]
        var etag: String
        var lastModified: String
    }
    private struct FileIdentity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtime: Int64
        var mtimeNanos: Int64
    }
    private let cache = Mutex([String: Entry]())

    public init(root: String?, maxAge: Int = 300) {
        self.root = root
        cacheControl = "public, max-age=\(maxAge)"
    }

    /// The files served, by URL path.
    public static let routes: [String: (file: String, type: String)] = [
        "/list/preload.json": ("list/preload.json", "application/json"),
        "/list/preload.json.sig": ("list/preload.json.sig", "text/plain; charset=utf-8"),
        "/list/allowed_signers": ("list/allowed_signers", "text/plain; charset=utf-8"),
    ]

    /// Answers a GET or HEAD of `path` (one of ``routes``).
    public func respond(path: String, request: ServiceRequest) -> ServiceResponse {
        guard let route = Self.routes[path] else {
            return Problem(.notFound, "No such file.").response
        }
        guard let root else {
            return Problem(.notFound, code: "list.not-published",
                           "This service publishes no list (started without --repo).").response
        }
        guard let entry = load(root + "/" + route.file) else {
            return Problem(.notFound, code: "list.not-published", "No list has been published yet.").response
        }
        var headers = HTTPHeaders([("ETag", entry.etag), ("Last-Modified", entry.lastModified),
                                   ("Cache-Control", cacheControl)])
        if Self.matches(request.headers[canonicalForm: "If-None-Match"], etag: entry.etag) {
            return ServiceResponse(status: .notModified, headers: headers)
        }
        headers.add(name: "Content-Type", value: route.type)
        return ServiceResponse(status: .ok, headers: headers, body: entry.body)
    }

    /// Whether an `If-None-Match` header names `etag` (or is `*`).
    static func matches(_ values: [Substring], etag: String) -> Bool {
        for value in values {
            let tag = value.trimmingCharacters(in: .whitespaces)
            if tag == "*" || tag == etag || tag == "W/" + etag { return true }
        }
        return false
    }

    private func load(_ path: String) -> Entry? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                                    mtime: Int64(st.st_mtim.tv_sec), mtimeNanos: Int64(st.st_mtim.tv_nsec))
        if let entry = cache.withLock({ $0[path] }), entry.identity == identity { return entry }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let hash = try? Digest.sha256(Array(data)) else { return nil }
        let digest = hash.map { String(format: "%02x", $0) }.joined()
        let entry = Entry(identity: identity, body: Array(data), etag: "\"sha256-\(digest)\"",
                          lastModified: HTTPDate.format(seconds: Int64(st.st_mtim.tv_sec)))
        cache.withLock { $0[path] = entry }
        return entry
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    static func format(seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", days[Int(parts.tm_wday)], parts.tm_mday,
                      months[Int(parts.tm_mon)], Int(parts.tm_year) + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
