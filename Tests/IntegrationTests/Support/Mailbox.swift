import Foundation
import PreloadTesting

extension NetTestBed {
    /// The first message in the test bed's mailbox of `domain` (default: the notification domain) that
    /// contains `token`, polling for up to 15 s (Postfix delivers asynchronously); `nil` when none arrives.
    func waitForMail(containing token: String, domain: String? = nil) async throws -> String? {
        let directory = mailDir + "/" + (domain ?? notifyDomain)
        for _ in 0..<60 {
            if let enumerator = FileManager.default.enumerator(atPath: directory) {
                for case let path as String in enumerator {
                    if let text = try? String(contentsOfFile: directory + "/" + path, encoding: .utf8),
                       text.contains(token) { return text }
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }
}
