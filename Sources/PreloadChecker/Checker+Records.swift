import PreloadCore

extension Checker {
    /// The `_mta-sts` record, and the policy when the record is valid.
    func checkMTASTS(_ domain: DomainName, pending: PendingSteps? = nil) async -> (MTASTSReport, [Issue], STSPolicy?) {
        let name = "_mta-sts." + domain.value
        var issues: [Issue] = []
        let records: [String]
        switch await step(pending, "the TXT lookup of \(name)", { await dns.txt(name) }) {
        case .failed(let failure):
            issues.append(Issue(.dnsLookupFailed, subject: name,
                "The TXT lookup of \(name) failed: \(failure); whether the domain publishes MTA-STS is unknown."))
            return (MTASTSReport(record: "unknown"), issues, nil)
        case .nxdomain, .noData:
            records = []
        case .found(let found, _):
            records = found
        }
        let record = RecordChecks.mtaSTSRecord(records)
        issues += record.issues.map { $0.withSubject(name) }
        var report = MTASTSReport(record: record.status, id: record.id)
        guard record.status == "valid" else { return (report, issues, nil) }

        let host = "mta-sts." + domain.value
        guard let policyHost = try? DomainName(host) else {
            issues.append(Issue(.mtaStsPolicyFetchFailed, subject: host, "\(host) is not a valid host name."))
            return (report, issues, nil)
        }
        async let v4 = step(pending, "the A lookup of \(host)") { await dns.ipv4(policyHost) }
        async let v6 = step(pending, "the AAAA lookup of \(host)") { await dns.ipv6(policyHost) }
        var addresses: [String] = []
        for answer in [await v4, await v6] {
            if case .found(let list, _) = answer { addresses += list }
        }
        if addresses.isEmpty {
            issues.append(Issue(.mtaStsPolicyFetchFailed, subject: host,
                "The _mta-sts record announces a policy, but \(host) has no address to fetch it from."))
            return (report, issues, nil)
        }
        // The SSRF guard: fetch only from addresses the policy allows (the fetch is pinned to them).
        let (fetchFrom, refused) = settings.addressPolicy.partition(addresses)
        for (address, why) in refused {
            issues.append(Self.notPublic(host: host, address: address, why: why, what: "The policy host"))
        }
        if fetchFrom.isEmpty { return (report, issues, nil) }
        let policySubject = "https://\(host)/.well-known/mta-sts.txt"
        let outcome: PolicyFetchOutcome? = await step(pending, "the policy fetch from \(policySubject)") {
            await limiter.withSlot(key: domain.value) { await https.fetchPolicy(domain: domain, addresses: fetchFrom) }
        }
        switch outcome {
        case .response(let response)? where response.status == 200:
            let contentType = response.contentType, body = response.body
            report.contentType = contentType
            if !Self.isTextPlain(contentType) {
                issues.append(Issue(.mtaStsPolicyContentType, subject: policySubject,
                    "The policy is served as '\(contentType ?? "no Content-Type")', not text/plain (RFC 8461 §3.3); senders such as postfix-mta-sts-resolver and postfix-tlspol ignore it, so the domain would get no MTA-STS protection from them."))
            }
            let parsed = RecordChecks.policy(body)
            issues += parsed.issues.map { $0.withSubject($0.subject ?? "policy") }
            guard let policy = parsed.policy else {
                issues.append(Issue(.mtaStsPolicyInvalid, subject: policySubject,
                    "The policy body is not valid per RFC 8461 §3.2; senders ignore it."))
                return (report, issues, nil)
            }
            report.policy = policy
            switch policy.mode {
            case .none:
                issues.append(Issue(.mtaStsPolicyModeNone, subject: policySubject,
                    "The policy has mode none: the domain opted out of MTA-STS, so it cannot be preloaded."))
            case .testing, .enforce:
                break  // the parser already says what a testing mode means
            }
            return (report, issues, policy)
        case .redirect(let status, let location)?:
            issues.append(Issue(.mtaStsPolicyRedirect, subject: policySubject,
                "The policy URL answered \(status) redirecting to \(location ?? "nowhere"); senders must not follow redirects (RFC 8461 §3.3)."))
        case .response(let response)?:
            issues.append(Issue(.mtaStsPolicyFetchFailed, subject: policySubject,
                "The policy URL answered HTTP \(response.status); only 200 counts."))
        case .tlsFailure(let why)?:
            issues.append(Issue(.mtaStsPolicyTlsInvalid, subject: policySubject,
                "The HTTPS certificate of \(host) is not valid: \(why)."))
        case .tooLarge?:
            issues.append(Issue(.mtaStsPolicyTooLarge, subject: policySubject,
                "The policy body is larger than 64 KiB; senders stop reading it."))
        case .connectFailed(let why)?, .failed(let why)?:
            issues.append(Issue(.mtaStsPolicyFetchFailed, subject: policySubject,
                "The policy could not be fetched: \(why)."))
        case .timeout?:
            issues.append(Issue(.mtaStsPolicyFetchFailed, subject: policySubject,
                "The policy could not be fetched: no answer within the deadline."))
        case nil:
            issues.append(Issue(.mtaStsPolicyFetchFailed, subject: policySubject,
                "The policy could not be fetched: not fetched: the check of \(domain.value) was cancelled."))
        }
        return (report, issues, nil)
    }

    /// Whether a `Content-Type` names `text/plain`: the media type compared case-insensitively, parameters
    /// (`charset=…`) allowed.
    static func isTextPlain(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first else { return false }
        return String(type).trimmingCharacters(in: " \t").lowercased() == "text/plain"
    }

    /// The `_smtp._tls` record. TLS-RPT is optional for senders (RFC 8460), so nothing found here blocks
    /// eligibility, not even a failed lookup (reported as a warning).
    func checkTLSRPT(_ domain: DomainName, pending: PendingSteps? = nil) async -> (TLSRPTReport, [Issue]) {
        let name = "_smtp._tls." + domain.value
        switch await step(pending, "the TXT lookup of \(name)", { await dns.txt(name) }) {
        case .failed(let failure):
            return (TLSRPTReport(record: "unknown", rua: []), [Issue(.dnsLookupFailed, .warning, subject: name,
                "The TXT lookup of \(name) failed: \(failure); TLS-RPT is optional, so this does not block.")])
        case .nxdomain, .noData:
            let r = RecordChecks.tlsRPTRecord([])
            return (TLSRPTReport(record: r.status, rua: r.rua), r.issues.map { $0.withSubject(name) })
        case .found(let records, _):
            let r = RecordChecks.tlsRPTRecord(records)
            return (TLSRPTReport(record: r.status, rua: r.rua), r.issues.map { $0.withSubject(name) })
        }
    }
}

extension MTASTSReport {
    init(record: String, id: String? = nil) {
        self.init(record: record, id: id, policy: nil, contentType: nil)
    }
}

extension Issue {
    /// This finding with `subject` filled in when it had none.
    func withSubject(_ subject: String) -> Issue {
        var copy = self
        if copy.subject == nil { copy.subject = subject }
        return copy
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
