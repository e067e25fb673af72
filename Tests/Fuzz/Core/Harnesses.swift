// Fuzz harnesses over PreloadCore: the parsers of DNS records, policies, names and list files.
@testable import PreloadCore

let harnesses: [String: Harness] = [
    "sts-record": fuzzSTSRecord,
    "tlsrpt-record": fuzzTLSRPTRecord,
    "sts-policy": fuzzSTSPolicy,
    "domain-name": fuzzDomainName,
    "mx-match": fuzzMXMatch,
    "timestamp": fuzzTimestamp,
    "list-v1": fuzzListV1,
    "list-eff": fuzzListEFF,
    "tlsa-record": fuzzTLSARecord,
]
