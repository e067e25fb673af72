import PreloadClient
import PreloadCore
import PreloadHTTP
import PreloadSigning

/// Fetches lists from `https://` URLs (the signature at the same URL + `.sig`), from local files, and from
/// git repositories (when ``git`` is set: a signed branch head, see ``GitListFetcher``).
public struct ListFetcher: ListFetching {
    /// HTTPS downloads (its `maxBodySize` bounds the list).
    public var https: PolicyFetcher
    /// Local files.
    public var local: LocalListFetcher
    /// Git repositories; `nil` refuses git sources as unreachable.
    public var git: GitListFetcher?

    /// A fetcher: lists up to `maxListBytes` (signatures up to ``InputLimits/maxSignatureBytes``),
    /// `timeout` seconds per download, trust roots from `caFile` (default: the system's).
    /// `git` fetches git sources (none by default).
    public init(caFile: String? = nil, timeout: Double = 60, maxListBytes: Int = InputLimits.maxListBytes,
                git: GitListFetcher? = nil) {
        https = PolicyFetcher(caFile: caFile, timeout: timeout, maxBodySize: maxListBytes)
        local = LocalListFetcher(maxListBytes: maxListBytes)
        self.git = git
    }

    public func fetch(_ source: ListSource) async -> ListFetchResult {
        switch source {
        case .file:
            return await local.fetch(source)
        case .git(let repository):
            guard let git else { return .unreachable("no git fetcher is configured for \(repository)") }
            return await git.fetch(source)
        case .https(let url):
            async let listOutcome = https.get(url: url)
            var signatureFetcher = https
            signatureFetcher.maxBodySize = InputLimits.maxSignatureBytes
            async let signatureOutcome = signatureFetcher.get(url: url + ".sig")
            let (list, signature) = await (listOutcome, signatureOutcome)
            switch (Self.body(list, url, tooLarge: .listTooLarge),
                    Self.body(signature, url + ".sig", tooLarge: .listSignatureMalformed)) {
            case (.success(let listBytes), .success(let signatureBytes)):
                return .fetched(list: listBytes, signature: String(decoding: signatureBytes, as: UTF8.self))
            case (.failure(let refusal as ListRefusal), _), (_, .failure(let refusal as ListRefusal)):
                return .refused(refusal)
            case (.failure(let error), _), (_, .failure(let error)):
                return .unreachable("\(error)")
            }
        }
    }

    /// HTTPS with `If-None-Match`: a `304` is ``ListFetchResult/notModified`` (the signature is not fetched
    /// either); otherwise the list, then its signature. Other sources: ``fetch(_:)``.
    public func fetch(_ source: ListSource, ifNoneMatch etag: String?) async -> (ListFetchResult, etag: String?) {
        guard case .https(let url) = source else { return (await fetch(source), nil) }
        let (list, newTag) = await https.get(url: url, ifNoneMatch: etag)
        if case .response(let response) = list, response.status == 304 { return (.notModified, etag) }
        var signatureFetcher = https
        signatureFetcher.maxBodySize = InputLimits.maxSignatureBytes
        let signature = await signatureFetcher.get(url: url + ".sig")
        switch (Self.body(list, url, tooLarge: .listTooLarge),
                Self.body(signature, url + ".sig", tooLarge: .listSignatureMalformed)) {
        case (.success(let listBytes), .success(let signatureBytes)):
            return (.fetched(list: listBytes, signature: String(decoding: signatureBytes, as: UTF8.self)), newTag)
        case (.failure(let refusal as ListRefusal), _), (_, .failure(let refusal as ListRefusal)):
            return (.refused(refusal), nil)
        case (.failure(let error), _), (_, .failure(let error)):
            return (.unreachable("\(error)"), nil)
        }
    }

    private struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }

    private static func body(_ outcome: PolicyFetchOutcome, _ url: String, tooLarge code: IssueCode) -> Result<[UInt8], any Error> {
        if let body = outcome.okBody { return .success(body) }
        if case .tooLarge(_, let limit) = outcome {
            return .failure(ListRefusal(code, "\(url) is larger than the limit of \(limit) bytes"))
        }
        return .failure(Unreachable(description: "\(url): \(outcome.failureDescription ?? "no body")"))
    }
}
