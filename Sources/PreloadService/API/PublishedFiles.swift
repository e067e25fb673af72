import Foundation
import NIOHTTP1
import PreloadSigning
import Synchronization

/// The published list's files (`list/preload.json`, `.sig`, `allowed_signers`) from the list repository's
/// work tree, each with a strong `ETag` (SHA-256 of its bytes), `Last-Modified` and `Cache-Control`;
/// `If-None-Match` with the current tag answers `304` without a body.
///
/// A file is read again only when its size, inode or modification time changed (`publish` replaces files
/// by rename), so a request costs one `stat`; the answers (200 and 304) are made once per version of the
/// file, so a request builds nothing (``respondFromMemory(path:headers:)`` serves them on the event loop).
public final class PublishedFiles: Sendable {
    /// The repository work tree, or `nil` when the service publishes nothing.
    public let root: String?
    /// `Cache-Control` of the list files.
    public let cacheControl: String
    private struct Entry: Sendable {
        var identity: FileIdentity
        var etag: String
        /// The answers with the body and without it (304).
        var ok: ServiceResponse
        var notModified: ServiceResponse
    }
    private struct FileIdentity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtime: Int64
        var mtimeNanos: Int64
    }
    private let cache = Mutex([String: Entry]())
    /// The file path and media type of each URL path (``routes`` under ``root``).
    private let files: [String: (path: String, type: String)]

    public init(root: String?, maxAge: Int = 300) {
        self.root = root
        cacheControl = "public, max-age=\(maxAge)"
        files = root.map { root in Self.routes.mapValues { (root + "/" + $0.file, $0.type) } } ?? [:]
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
        guard let entry = load(root + "/" + route.file, type: route.type) else {
            return Problem(.notFound, code: "list.not-published", "No list has been published yet.").response
        }
        return Self.answer(entry, headers: request.headers)
    }

    /// The answer to a GET or HEAD of `path` when that file was read before and has not changed since (one
    /// `stat`, no read); `nil` otherwise (``respond(path:request:)`` answers then).
    func respondFromMemory(path: String, headers: HTTPHeaders) -> ServiceResponse? {
        guard let file = files[path], let identity = Self.identity(file.path),
              let entry = cache.withLock({ $0[file.path] }), entry.identity == identity
        else { return nil }
        return Self.answer(entry, headers: headers)
    }

    private static func answer(_ entry: Entry, headers: HTTPHeaders) -> ServiceResponse {
        matches(headers, etag: entry.etag) ? entry.notModified : entry.ok
    }

    /// Whether an `If-None-Match` header (any number of fields, each a comma-separated list) names `etag`,
    /// weakly or strongly, or is `*`. Compared on bytes: a request builds no strings here.
    static func matches(_ headers: HTTPHeaders, etag: String) -> Bool {
        for (name, value) in headers where asciiCaseInsensitiveEqual(name, "if-none-match") {
            let bytes = value.utf8
            var start = bytes.startIndex
            while true {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
                var tag = bytes[start..<end]
                while let first = tag.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { tag.removeFirst() }
                while let last = tag.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { tag.removeLast() }
                if tag.elementsEqual("*".utf8) || tag.elementsEqual(etag.utf8)
                    || (tag.starts(with: "W/".utf8) && tag.dropFirst(2).elementsEqual(etag.utf8)) {
                    return true
                }
                guard end < bytes.endIndex else { break }
                start = bytes.index(after: end)
            }
        }
        return false
    }

    /// `name` equals `lowercase` (given in lower case) ignoring ASCII case.
    private static func asciiCaseInsensitiveEqual(_ name: String, _ lowercase: StaticString) -> Bool {
        guard name.utf8.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(name.utf8, expected).allSatisfy { a, b in (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b }
        }
    }

    private static func identity(_ path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                            mtime: Int64(st.st_mtim.tv_sec), mtimeNanos: Int64(st.st_mtim.tv_nsec))
    }

    private func load(_ path: String, type: String) -> Entry? {
        guard let identity = Self.identity(path) else { return nil }
        if let entry = cache.withLock({ $0[path] }), entry.identity == identity { return entry }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let digest = try? Digest.sha256Hex(Array(data)) else { return nil }
        let etag = "\"sha256-\(digest)\""
        let headers = HTTPHeaders([("ETag", etag), ("Last-Modified", HTTPDate.format(seconds: identity.mtime)),
                                   ("Cache-Control", cacheControl)])
        var okHeaders = headers
        okHeaders.add(name: "Content-Type", value: type)
        let entry = Entry(identity: identity, etag: etag,
                          ok: ServiceResponse(status: .ok, headers: okHeaders, body: Array(data)).prepared(),
                          notModified: ServiceResponse(status: .notModified, headers: headers).prepared())
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
