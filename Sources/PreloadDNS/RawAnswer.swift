import PreloadCore
import CUnbound

/// A libunbound result copied into Swift values at the boundary (before `ub_resolve_free`).
struct RawAnswer: Sendable {
    enum Outcome: Sendable {
        /// An answer with its RCODE and the RDATA of the answer RRset (empty for no data).
        case answered(rcode: Int, rdata: [[UInt8]])
        case timeout
        case failed(String)
    }

    var outcome: Outcome
    var validated = false
    var secure = false
    var bogus = false
    var whyBogus: String?
    var canonicalName: String?
    var ttl: Int?

    init(timeout: Void) { outcome = .timeout }

    init(failure message: String) { outcome = .failed(message) }

    init(result: ub_result, validated: Bool) {
        var rdata: [[UInt8]] = []
        if result.havedata != 0, let data = result.data, let lengths = result.len {
            var i = 0
            while let item = data[i] {
                let count = Int(lengths[i])
                rdata.append(item.withMemoryRebound(to: UInt8.self, capacity: count) {
                    Array(UnsafeBufferPointer(start: $0, count: count))
                })
                i += 1
            }
        }
        outcome = .answered(rcode: Int(result.rcode), rdata: rdata)
        self.validated = validated
        secure = result.secure != 0
        bogus = result.bogus != 0
        whyBogus = result.why_bogus.map { String(cString: $0) }
        if let canon = result.canonname.map({ String(cString: $0) }), let qname = result.qname.map({ String(cString: $0) }),
            Self.normalized(canon) != Self.normalized(qname)
        {
            canonicalName = canon.hasSuffix(".") && canon.count > 1 ? String(canon.dropLast()) : canon
        }
        ttl = result.havedata != 0 ? Int(result.ttl) : nil
    }

    private static func normalized(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }

    /// The DNSSEC status; `.unvalidated` when there is no trust anchor or no answer.
    var dnssec: DNSSECStatus {
        guard validated, case .answered = outcome else { return .unvalidated }
        if secure { return .secure }
        if bogus { return .bogus(reason: whyBogus ?? "validation failed") }
        return .insecure
    }

    /// The typed answer.
    func decoded<Record: DNSRecordData>(as _: Record.Type, name: String) -> DNSAnswer<Record> {
        let result: DNSOutcome<Record>
        switch outcome {
        case .timeout: result = .timeout
        case .failed(let message): result = .failed(message)
        case .answered(let rcode, let rdata):
            if bogus {
                result = .servfail("DNSSEC validation failed: \(whyBogus ?? "bogus answer")")
            } else {
                switch rcode {
                case 0:
                    if rdata.isEmpty {
                        result = .noData
                    } else {
                        let records = rdata.compactMap(Record.init(rdata:))
                        result = records.count == rdata.count
                            ? .records(records)
                            : .failed("malformed \(Record.recordType) record data")
                    }
                case 3: result = .nxdomain
                case 2: result = .servfail("SERVFAIL")
                case 5: result = .failed("REFUSED")
                default: result = .failed("RCODE \(rcode)")
                }
            }
        }
        return DNSAnswer(name: name, type: Record.recordType, outcome: result, dnssec: dnssec,
            canonicalName: canonicalName, ttl: ttl)
    }
}
