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
        fatalError("wired to STSRecordParser once it lands")
    }

    static func tlsRPTRecord(_ records: [String]) -> RecordResult {
        fatalError("wired to TLSRPTRecordParser once it lands")
    }

    static func policy(_ body: [UInt8]) -> (policy: STSPolicy?, issues: [Issue]) {
        fatalError("wired to STSPolicyParser once it lands")
    }
}
