/// A point in time with one-second resolution, written as RFC 3339 UTC with `Z` (`2026-11-29T05:00:00Z`).
///
/// The one time format of the project: list dates, lifecycle times, certificate validity.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64

    public init(secondsSince1970: Int64) { self.secondsSince1970 = secondsSince1970 }

    /// The instants that have an RFC 3339 form (a four-digit year): 0000-01-01T00:00:00Z through
    /// 9999-12-31T23:59:59Z. Parsing refuses times outside it (an offset can push `0000-01-01` or
    /// `9999-12-31` across), so that every parsed time writes out as text that reads back.
    public static let representable: ClosedRange<Int64> = -62_167_219_200...253_402_300_799

    /// Whether this time has an RFC 3339 form (see ``representable``).
    public var isRepresentable: Bool { Self.representable.contains(secondsSince1970) }

    /// Parses RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`); fractions are dropped, offsets applied.
    /// With `strictUTC`, only the canonical form `YYYY-MM-DDTHH:MM:SSZ` is accepted. A time whose offset
    /// moves it out of years 0000–9999 is refused (see ``representable``).
    public init?(rfc3339 text: String, strictUTC: Bool = false) {
        let b = Array(text.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count else { return nil }
            var v = 0
            for i in r {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 20, let y = num(0..<4), b[4] == 0x2D, let mo = num(5..<7), b[7] == 0x2D,
            let d = num(8..<10), b[10] == 0x54 || (!strictUTC && (b[10] == 0x74 || b[10] == 0x20)),
            let h = num(11..<13), b[13] == 0x3A, let mi = num(14..<16), b[16] == 0x3A, let s = num(17..<19)
        else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= Self.daysIn(month: mo, year: y), h <= 23, mi <= 59, s <= 60
        else { return nil }
        var i = 19
        if i < b.count, b[i] == 0x2E {
            if strictUTC { return nil }
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            if i == start { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 0x5A || (!strictUTC && b[i] == 0x7A) {
            i += 1
        } else if !strictUTC, b[i] == 0x2B || b[i] == 0x2D, let oh = num((i + 1)..<(i + 3)),
            i + 3 < b.count, b[i + 3] == 0x3A, let om = num((i + 4)..<(i + 6)), oh <= 23, om <= 59
        {
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2B ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Self.daysFromCivil(y, mo, d)
        let seconds = Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + min(s, 59)) - Int64(offset)
        guard Self.representable.contains(seconds) else { return nil }
        secondsSince1970 = seconds
    }

    /// The canonical RFC 3339 UTC form, `YYYY-MM-DDTHH:MM:SSZ`.
    public var rfc3339: String {
        let days = Int(secondsSince1970.floorDiv(86400))
        let secs = Int(secondsSince1970 - Int64(days) * 86400)
        let (y, m, d) = Self.civilFromDays(days)
        func p(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secs / 3600, 2)):\(p(secs / 60 % 60, 2)):\(p(secs % 60, 2))Z"
    }

    /// The date part, `YYYY-MM-DD`.
    public var date: String { String(rfc3339.prefix(10)) }

    public var description: String { rfc3339 }

    /// This time moved by `seconds`.
    public func adding(seconds: Int64) -> Timestamp { Timestamp(secondsSince1970: secondsSince1970 + seconds) }
    /// This time moved by whole days.
    public func adding(days: Int) -> Timestamp { adding(seconds: Int64(days) * 86400) }

    public static func < (l: Timestamp, r: Timestamp) -> Bool { l.secondsSince1970 < r.secondsSince1970 }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let t = Timestamp(rfc3339: raw, strictUTC: true) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(raw)' is not an RFC 3339 UTC time of the form YYYY-MM-DDTHH:MM:SSZ"))
        }
        self = t
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rfc3339)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's civil calendar algorithms.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

/// Where "now" comes from. Every command takes time from one source, so that `PRELOAD_NOW` can rehearse
/// weeks in seconds.
public protocol TimeSource: Sendable {
    /// The current time.
    func now() -> Timestamp
}

/// A fixed time (tests, `PRELOAD_NOW`).
public struct FixedTime: TimeSource {
    public let time: Timestamp
    public init(_ time: Timestamp) { self.time = time }
    public func now() -> Timestamp { time }
}
