import PreloadClient
import PreloadCore

/// `preload sync`: how the run ended, the list in use, and the files written.
struct SyncOutput: CommandResult {
    /// The sync itself: how it ended and the list in use afterwards.
    var report: SyncReport
    /// The files of the Postfix table written.
    var written: [String]
    /// The domains whose MTA-STS policy was refetched; `nil` when no refresh was asked for.
    var refreshed: [DomainName]?

    struct Report: Encodable {
        var result: String
        var source: String
        var code: String?
        var reason: String?
        var serial: UInt64?
        var previousSerial: UInt64?
        var expires: Timestamp?
        var expired: Bool
        var domains: Int?
        var postfixMap: [String]
        var refreshed: [String]?
        var issues: [Issue]
        /// The source answered 304 to the installed list's ETag (nothing downloaded); only when true.
        var notModified: Bool? = nil
        enum CodingKeys: String, CodingKey {
            case result, source, code, reason, serial, expires, expired, domains, refreshed, issues
            case notModified = "not_modified"
            case previousSerial = "previous_serial"
            case postfixMap = "postfix_map"
        }
    }

    var json: Report {
        var out = Report(result: "", source: report.source.description, serial: report.installed?.serial,
                         previousSerial: report.previousSerial, expires: report.installed?.expires,
                         expired: report.installedExpired, domains: report.installed?.count, postfixMap: written,
                         refreshed: refreshed?.map(\.value), issues: [])
        switch report.result {
        case .updated: out.result = "updated"
        case .unchanged:
            out.result = "unchanged"
            if report.notModified { out.notModified = true }
        case .refused(let refusal):
            out.result = "refused"
            out.code = refusal.code.rawValue
            out.reason = refusal.description
            out.issues = refusal.issues
        case .unreachable(let why):
            out.result = "unreachable"
            out.reason = why
        }
        return out
    }

    var text: TextOutput {
        let serial = report.installed?.serial
        let expires = report.installed?.expires
        var text = TextOutput()
        switch report.result {
        case .updated:
            text.out.append("updated: serial \(report.previousSerial.map(String.init) ?? "none") -> \(serial ?? 0), expires \(expires?.description ?? "?")")
        case .unchanged:
            text.out.append("unchanged: serial \(serial ?? 0), expires \(expires?.description ?? "?")"
                            + (report.notModified ? " (not modified: HTTP 304 to the installed list's ETag, nothing downloaded)" : ""))
        case .refused(let refusal):
            text.err.append("\(Console.color("refused", "31")) [\(refusal.code)]: \(refusal); keeping serial \(serial.map(String.init) ?? "none")")
        case .unreachable(let why):
            text.err.append("unreachable: \(why); keeping serial \(serial.map(String.init) ?? "none")")
        }
        text.out += written.map { "wrote \($0)" }
        if let refreshed = refreshed { text.out.append("refreshed \(refreshed.count) MTA-STS policies") }
        return text
    }
}
