import Foundation
import PreloadGit

/// An exclusive `flock` on `<git dir>/preload-publish.lock` for the length of a publish or repair run.
/// The kernel releases it when the process dies, so a crash never leaves a stale lock behind.
final class PublishLock {
    private let fd: Int32

    init(gitDirectory: String) throws(PublishError) {
        let path = gitDirectory + "preload-publish.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("\(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .busy(path)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
