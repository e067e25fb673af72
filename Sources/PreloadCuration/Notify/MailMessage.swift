import PreloadCore

/// Renders an RFC 5322 plain-text message (CRLF line endings, UTF-8 body) for a notification.
public enum MailMessage {
    /// The message bytes: headers, a blank line, the body.
    /// - Warning: `from` and `to` must be validated ``ContactAddress`` values; the subject is
    ///   stripped of CR/LF here.
    public static func render(from: String, to: String, subject: String, body: String, date: Timestamp,
                              messageID: String) -> [UInt8] {
        // By scalar: "\r\n" is one Character, so a Character filter would keep it.
        var cleanSubject = ""
        cleanSubject.unicodeScalars.append(contentsOf: subject.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
        var lines = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(cleanSubject)",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
            "",
        ]
        var text = body.replacingCRLF()
        if text.hasSuffix("\n") { text.removeLast() }
        lines += text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `Tue, 01 Dec 2026 00:00:00 +0000`.
    public static func rfc5322Date(_ t: Timestamp) -> String {
        let days = t.secondsSince1970 >= 0 ? t.secondsSince1970 / 86400 : (t.secondsSince1970 - 86399) / 86400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let iso = t.rfc3339  // YYYY-MM-DDTHH:MM:SSZ
        let parts = iso.split(whereSeparator: { "-T:Z".contains($0) }).map(String.init)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = months[(Int(parts[1]) ?? 1) - 1]
        return "\(weekday), \(parts[2]) \(month) \(parts[0]) \(parts[3]):\(parts[4]):\(parts[5]) +0000"
    }
}

extension String {
    fileprivate func replacingCRLF() -> String {
        var out = ""
        var previousCR = false
        for c in unicodeScalars {
            if c == "\r" {
                out.unicodeScalars.append("\n")
                previousCR = true
                continue
            }
            if c == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = false
            out.unicodeScalars.append(c)
        }
        return out
    }
}
