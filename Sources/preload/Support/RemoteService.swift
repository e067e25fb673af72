import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `--server URL` (env `PRELOAD_SERVER`): do the owner's steps through a `preload serve` service's API
/// instead of the local state.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Do this through the curation service at URL (a `preload serve`, env PRELOAD_SERVER) instead of the local state.",
        valueName: "url"))
    var server: String?

    /// `--server`, else `PRELOAD_SERVER`; without a trailing slash.
    var resolved: String? {
        let text = server ?? ProcessInfo.processInfo.environment["PRELOAD_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        return text.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    func validate() throws {
        if let url = resolved, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || URL(string: url) == nil {
            throw ValidationError("--server/PRELOAD_SERVER must be an http:// or https:// URL, not '\(url)'")
        }
    }
}

/// A small client of the service's API v1.
struct RemoteService {
    let base: String
    var timeout: Double = 120

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: Data
        /// The body as a JSON object (empty when it is not one).
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        /// A problem document's detail, else the status.
        var problem: String {
            let o = object
            return (o["detail"] as? String).map { d in (o["code"] as? String).map { "\($0): \(d)" } ?? d } ?? "HTTP \(status)"
        }
    }

    /// Sends one request; a network failure is exit 69 (service unavailable) with the reason on stderr.
    func send(_ method: String, _ path: String, json: [String: Any]? = nil) async throws -> Answer {
        guard let url = URL(string: base + path) else { throw Exit.usage }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
            var headers: [String: String] = [:]
            for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
            return Answer(status: http.statusCode, headers: headers, body: data)
        } catch {
            Console.err("preload: cannot reach the service at \(base): \(error.localizedDescription)")
            throw Exit.unavailable
        }
    }

    /// The exit for an answer the command does not handle itself: 429/503 are temporary (75), 5xx
    /// unavailable (69), 400/413/415/422 refused (1 for findings, 64 for what the command sent).
    static func fail(_ answer: Answer) -> ExitCode {
        Console.err("preload: \(answer.problem)")
        if let retry = answer.headers["retry-after"] { Console.err("preload: try again in \(retry) s") }
        switch answer.status {
        case 429, 503: return Exit.temporaryFailure
        case 500...: return Exit.unavailable
        case 422 where (answer.object["code"] as? String) == "domain.invalid": return Exit.usage
        case 400, 413, 415: return Exit.usage
        default: return Exit.blocked
        }
    }

    /// Percent-encodes a domain for a path segment.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
