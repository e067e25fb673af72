import Foundation
import PreloadSystem

/// The ETag of the installed list, for `preload sync`'s conditional download (`If-None-Match`). It is kept
/// with the source it came from, so a sync from another source downloads in full.
extension StateDirectory {
    private var etagPath: String { path + "/list-etag" }

    /// The ETag the installed list was served with by `source`, if one was recorded.
    public func listETag(source: String) -> String? {
        guard let data = FileManager.default.contents(atPath: etagPath) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0] == source, !lines[1].isEmpty, lines[1].count <= 200 else { return nil }
        return String(lines[1])
    }

    /// Records (or, with `nil`, forgets) the ETag of the list just installed from `source`.
    public func recordListETag(_ etag: String?, source: String) throws(FileSystemError) {
        guard let etag, !etag.contains("\n"), !source.contains("\n") else {
            if FileManager.default.fileExists(atPath: etagPath) {
                do { try FileManager.default.removeItem(atPath: etagPath) } catch {
                    throw FileSystemError("remove \(etagPath)", reason: error.localizedDescription)
                }
            }
            return
        }
        try AtomicFile.write(Array("\(source)\n\(etag)\n".utf8), to: etagPath)
    }
}
