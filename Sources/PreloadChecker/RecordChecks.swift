import PreloadCore

/// The bridge from the checker to the core's record and policy parsers.
enum RecordChecks {
    struct RecordResult {
        var status: String
        var id: String?
        var rua: [String] = []
        var issues: [Issue]
    }

    static func mtaSTSRecord(_ records: [String]) -> RecordResult {
        let r = STSRecordParser.parse(records)
        return RecordResult(status: r.status.rawValue, id: r.id, issues: r.issues)
    }

    static func tlsRPTRecord(_ records: [String]) -> RecordResult {
        let r = TLSRPTRecordParser.parse(records)
        return RecordResult(status: r.status.rawValue, id: nil, rua: r.rua, issues: r.issues)
    }

    static func policy(_ body: [UInt8]) -> (policy: STSPolicy?, issues: [Issue]) {
        let r = STSPolicyParser.parse(bytes: body)
        return (r.policy, r.issues)
    }
}
