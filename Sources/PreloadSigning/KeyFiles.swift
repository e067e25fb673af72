import Foundation

/// Reading and writing signing-key files: the private key as PKCS#8 PEM (mode 0600, never overwritten)
/// and the public key as an OpenSSH `.pub` line beside it.
public enum KeyFiles {
    /// Writes a new key pair: `privatePath` (PKCS#8 PEM, mode 0600) and `privatePath + ".pub"`
    /// (`ssh-ed25519 AAAA… comment`, mode 0644). Refuses if either file already exists; both are created
    /// with `O_EXCL` and flushed to disk.
    public static func writeNewKeyPair(_ key: Ed25519PrivateKey, comment: String, to privatePath: String)
        throws(SigningError)
    {
        let publicPath = privatePath + ".pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw .fileExists(path: path)
        }
        let pem = try key.pkcs8PEM()
        try createExclusive(privatePath, Array(pem.utf8), mode: 0o600)
        let line = SSHPublicKey(key.publicKey, comment: comment).openSSHLine + "\n"
        do {
            try createExclusive(publicPath, Array(line.utf8), mode: 0o644)
        } catch {
            unlink(privatePath)
            throw error
        }
    }

    /// Reads a PKCS#8 PEM Ed25519 private key.
    public static func readPrivateKey(_ path: String) throws(SigningError) -> Ed25519PrivateKey {
        try Ed25519PrivateKey(pkcs8PEM: readText(path))
    }

    /// Reads an OpenSSH public key line (`.pub` file).
    public static func readPublicKey(_ path: String) throws(SigningError) -> SSHPublicKey {
        try SSHPublicKey(openSSHLine: readText(path))
    }

    /// Reads and parses an allowed-signers file.
    public static func readAllowedSigners(_ path: String) throws(SigningError) -> AllowedSigners {
        try AllowedSigners(parsing: readText(path))
    }

    /// Reads a small text file (at most ``InputLimits/maxKeyFileBytes``; a regular file, see ``BoundedFile``).
    static func readText(_ path: String) throws(SigningError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.read(path, limit: InputLimits.maxKeyFileBytes)
        } catch {
            switch error {
            case .unreadable(_, let reason): throw .file(path: path, reason: reason)
            case .notRegular(_, let kind): throw .file(path: path, reason: "\(kind), not a regular file")
            case .tooLarge: throw .file(path: path, reason: "larger than \(InputLimits.maxKeyFileBytes / 1024) KiB")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .file(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    private static func createExclusive(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(SigningError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == EEXIST { throw .fileExists(path: path) }
            throw .file(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        fchmod(fd, mode)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw .file(path: path, reason: reason)
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw .file(path: path, reason: String(cString: strerror(errno))) }
    }
}
