import Foundation
import PreloadCore
import PreloadSigning
import PreloadTesting

/// A failure of the test set-up itself.
struct SignTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Fixtures for signing and publishing tests.
enum SignFixtures {
    static let t0 = ListFixtures.t0

    /// A new git repository (branch main) with a committer identity, in `scratch/name`.
    static func repository(in scratch: ScratchDirectory, _ name: String = "repo") async throws -> String {
        let path = scratch.file(name)
        try await Tool.run("git", ["init", "-q", "-b", "main", path])
        try await Tool.git(path, "config", "user.name", "List Test")
        try await Tool.git(path, "config", "user.email", "list-test@example.org")
        return path
    }

    /// A key written as `scratch/name` (+ `.pub`).
    static func key(in scratch: ScratchDirectory, _ name: String) throws -> Ed25519PrivateKey {
        let key = try Ed25519PrivateKey.generate()
        try KeyFiles.writeNewKeyPair(key, comment: name, to: scratch.file(name))
        return key
    }

    /// An entry for `domain` with MX `mx.<domain>` (see ``ListFixtures/entry(_:_:at:)``).
    static func entry(_ domain: String, _ mode: ListMode = .enforce, at time: Timestamp = t0) throws -> ListEntry {
        try ListFixtures.entry(domain, mode, at: time)
    }

    /// `count` synthetic entries.
    static func entries(_ count: Int, prefix: String = "d") throws -> [ListEntry] {
        try ListFixtures.entries(count, prefix: prefix)
    }
}
