import PreloadCore

/// Settings of one check run.
public struct CheckerSettings: Sendable {
    /// How many SMTP probes and policy fetches run at once across all domains; also how many domains
    /// ``Checker/check(_:)-([DomainName])`` checks at once.
    public var concurrency: Int
    /// A certificate expiring within this many days gets `tls.cert-expiring-soon`.
    public var expiryWarningDays: Int
    /// The longest the check of one domain may take, in seconds, whatever its number of MX hosts and
    /// addresses (`--domain-timeout`); a domain that reaches it gets `check.deadline-exceeded`. `nil`: no
    /// bound beyond the per-step deadlines of the network ports.
    public var domainTimeout: Double?
    /// Which addresses SMTP probes and policy fetches may connect to; a refused address gets
    /// `net.address-not-public` and is never connected to. Default: any (see ``AddressPolicy``).
    public var addressPolicy: AddressPolicy

    /// The default of ``domainTimeout``: five minutes. With the default per-step deadline of 20 s, one
    /// probe ends within 80 s, so an honest domain with a few MX hosts finishes well before.
    public static let defaultDomainTimeout: Double = 300

    public init(concurrency: Int = 16, expiryWarningDays: Int = 14,
                domainTimeout: Double? = CheckerSettings.defaultDomainTimeout, addressPolicy: AddressPolicy = .any) {
        self.addressPolicy = addressPolicy
        self.concurrency = concurrency
        self.expiryWarningDays = expiryWarningDays
        self.domainTimeout = domainTimeout
    }
}

/// Checks domains exactly as a sending MTA enforcing MTA-STS would: every address of every MX host,
/// STARTTLS, TLS ≥ 1.2, a certificate trusted, unexpired and valid for the MX host name, and the
/// domain's MTA-STS and TLS-RPT records and policy.
///
/// The checker is pure logic over three ports (DNS, SMTP probe, policy fetch), so it runs on fakes in
/// unit tests and on libunbound/OpenSSL/libcurl in production.
public struct Checker: Sendable {
    public let dns: any CheckerDNS
    public let smtp: any SMTPProbing
    public let https: any PolicyFetching
    public let clock: any TimeSource
    public let settings: CheckerSettings
    /// When a domain's deadline (``CheckerSettings/domainTimeout``) passes.
    public let deadlines: any DeadlineTimer
    let limiter: ProbeLimiter

    public init(dns: any CheckerDNS, smtp: any SMTPProbing, https: any PolicyFetching, clock: any TimeSource,
                settings: CheckerSettings = CheckerSettings(), deadlines: any DeadlineTimer = SleepingDeadlineTimer()) {
        self.dns = dns
        self.smtp = smtp
        self.https = https
        self.clock = clock
        self.settings = settings
        self.deadlines = deadlines
        self.limiter = ProbeLimiter(limit: settings.concurrency)
    }

    /// Checks several domains concurrently, at most ``CheckerSettings/concurrency`` at a time (so that each
    /// domain's deadline counts from when its check starts); reports come back in the order given.
    public func check(_ domains: [DomainName]) async -> [DomainReport] {
        await withTaskGroup(of: (Int, DomainReport).self) { group in
            var next = domains.enumerated().makeIterator()
            for _ in 0..<max(1, settings.concurrency) {
                guard let (index, domain) = next.next() else { break }
                group.addTask { (index, await self.check(domain)) }
            }
            var reports = [DomainReport?](repeating: nil, count: domains.count)
            for await (index, report) in group {
                reports[index] = report
                if let (index, domain) = next.next() {
                    group.addTask { (index, await self.check(domain)) }
                }
            }
            return reports.compactMap { $0 }
        }
    }

    /// Checks one domain, within ``CheckerSettings/domainTimeout`` when it is set.
    public func check(_ domain: DomainName) async -> DomainReport {
        let now = clock.now()
        guard let seconds = settings.domainTimeout else { return await check(domain, now: now, pending: nil) }
        return await check(domain, now: now, within: seconds)
    }

    /// Checks one domain, noting its network steps in `pending` when a deadline watches it.
    func check(_ domain: DomainName, now: Timestamp, pending: PendingSteps?) async -> DomainReport {
        async let stsPart = checkMTASTS(domain, pending: pending)
        async let rptPart = checkTLSRPT(domain, pending: pending)
        let mxPart = await checkMX(domain, now: now, pending: pending)
        let (sts, stsIssues, policy) = await stsPart
        let (rpt, rptIssues) = await rptPart

        // A domain that does not exist gets one finding, not three.
        var issues = mxPart.domainMissing ? mxPart.issues : mxPart.issues + stsIssues + rptIssues
        if let policy, policy.mode != .none {
            issues += STSPolicyParser.coverageIssues(policy, hosts: mxPart.hosts)
        }
        var report = DomainReport(domain: domain.value, eligible: !issues.hasErrors, mx: mxPart.reports,
                                  mtaSTS: sts, tlsRPT: rpt, issues: issues, checkedAt: now)
        report.resolverUnreachable = mxPart.resolverUnreachable
        return report
    }

    // MARK: MX hosts and their addresses

    private struct MXPart: Sendable {
        var reports: [MXReport] = []
        var hosts: [DomainName] = []
        var issues: [Issue] = []
        var resolverUnreachable = false
        var domainMissing = false
    }

    private func checkMX(_ domain: DomainName, now: Timestamp, pending: PendingSteps?) async -> MXPart {
        var part = MXPart()
        let records: [MXRecord]
        var mxStatus = DNSSECStatus.insecure
        switch await step(pending, "the MX lookup of \(domain.value)", { await dns.mx(domain) }) {
        case .failed(let failure):
            if case .resolverUnreachable = failure { part.resolverUnreachable = true }
            part.issues.append(Issue(.dnsLookupFailed, subject: "MX",
                "The MX lookup for \(domain.value) failed: \(failure). Without an answer nothing can be checked."))
            return part
        case .nxdomain:
            part.domainMissing = true
            part.issues.append(Issue(.mxMissing, subject: "MX", "\(domain.value) does not exist in DNS (NXDOMAIN)."))
            return part
        case .noData:
            part.issues.append(Issue(.mxMissing, subject: "MX",
                "\(domain.value) has no MX records. The preload list needs the MX hosts a sender would use."))
            return part
        case .found(let found, let status):
            records = found
            mxStatus = status
        }
        if records.isEmpty {
            part.issues.append(Issue(.mxMissing, subject: "MX", "\(domain.value) has no MX records."))
            return part
        }
        if records.contains(where: { $0.exchange == "." || $0.exchange.isEmpty }) {
            part.issues.append(Issue(.mxNull, subject: "MX",
                "\(domain.value) publishes a null MX (RFC 7505): it accepts no mail, so there is nothing to preload."))
            return part
        }
        // Unique hosts, by preference then name.
        var seen = Set<String>()
        var hosts: [(DomainName, UInt16)] = []
        for record in records.sorted(by: { ($0.preference, $0.exchange) < ($1.preference, $1.exchange) }) {
            do {
                let host = try DomainName(record.exchange)
                if seen.insert(host.value).inserted { hosts.append((host, record.preference)) }
            } catch {
                part.issues.append(Issue(.mxInvalid, subject: record.exchange,
                    "The MX record names '\(record.exchange)', which is not a valid host name: \(error)."))
            }
        }
        part.hosts = hosts.map(\.0)
        let dane = dns.validatesDNSSEC && !mxStatus.isBogus
        let status = mxStatus
        let results = await withTaskGroup(of: (Int, MXReport, [Issue], Bool, DANEHostFacts?).self) { group in
            for (index, (host, preference)) in hosts.enumerated() {
                group.addTask {
                    let (report, issues, unreachable, facts) = await self.checkHost(
                        host, preference: preference, domain: domain, now: now, pending: pending, dane: dane,
                        mxStatus: status)
                    return (index, report, issues, unreachable, facts)
                }
            }
            var out: [(Int, MXReport, [Issue], Bool, DANEHostFacts?)] = []
            for await item in group { out.append(item) }
            return out.sorted { $0.0 < $1.0 }
        }
        for (_, report, issues, unreachable, _) in results {
            part.reports.append(report)
            part.issues += issues
            part.resolverUnreachable = part.resolverUnreachable || unreachable
        }
        if dns.validatesDNSSEC {
            part.issues += DANECheck.issues(mx: mxStatus, hosts: results.compactMap(\.4))
        }
        return part
    }

    private func checkHost(_ host: DomainName, preference: UInt16, domain: DomainName, now: Timestamp,
                           pending: PendingSteps?, dane: Bool, mxStatus: DNSSECStatus) async -> (MXReport, [Issue], Bool, DANEHostFacts?) {
        async let v4 = step(pending, "the A lookup of MX host \(host.value)") { await dns.ipv4(host) }
        async let v6 = step(pending, "the AAAA lookup of MX host \(host.value)") { await dns.ipv6(host) }
        let answers = [await v4, await v6]
        var addresses: [String] = []
        var failures: [DNSFailure] = []
        var addressStatus = DNSSECStatus.secure
        for answer in answers {
            switch answer {
            case .found(let list, let status):
                addresses += list
                if status != .secure { addressStatus = .insecure }
            case .nxdomain, .noData: break
            case .failed(let failure): failures.append(failure)
            }
        }
        var issues: [Issue] = []
        let unreachable = failures.contains { if case .resolverUnreachable = $0 { true } else { false } }
        if !failures.isEmpty {
            issues.append(Issue(.dnsLookupFailed, subject: host.value,
                "Looking up the addresses of MX host \(host.value) failed: \(failures.map(\.description).joined(separator: "; "))."))
        }
        if addresses.isEmpty {
            if failures.isEmpty {
                issues.append(Issue(.mxUnresolvable, subject: host.value,
                    "MX host \(host.value) has no A or AAAA records, so no sender can reach it."))
            }
            let facts = dane ? DANEHostFacts(host: host.value, addresses: nil, tlsaOwner: "_25._tcp.\(host.value)",
                                             tlsa: .notLooked) : nil
            return (MXReport(host: host.value, preference: preference, addresses: []), issues, unreachable, facts)
        }
        // The SSRF guard: a refused address is reported and never connected to.
        let (allowed, refused) = settings.addressPolicy.partition(addresses)
        for (address, why) in refused {
            issues.append(Self.notPublic(host: host.value, address: address, why: why, what: "MX host"))
        }
        let refusedReports = refused.map {
            AddressReport(address: $0.address, reachable: false, starttls: false, passed: false)
        }
        // DANE (RFC 7672 §2.2.2): the TLSA records only of a host whose addresses are validated.
        var daneFacts: DANEHostFacts?
        var request: DANEProbeRequest?
        if dane {
            var facts = DANEHostFacts(host: host.value, addresses: failures.isEmpty ? addressStatus : nil,
                                      tlsaOwner: "_25._tcp.\(host.value)", tlsa: .notLooked)
            // Looked up for an insecure MX RRset too, only to tell an owner whose TLSA records go unused.
            if failures.isEmpty, addressStatus == .secure || mxStatus == .insecure {
                let (owner, lookup) = await step(pending, "the TLSA lookup of MX host \(host.value)") { await dns.daneTLSA(host) }
                facts.tlsaOwner = owner
                facts.tlsa = lookup
                if case .secure(let rdata) = lookup, mxStatus == .secure, addressStatus == .secure {
                    let usable = TLSARRset(owner: owner, rdata: rdata).usable
                    let target = String(owner.dropFirst("_25._tcp.".count))
                    if !usable.isEmpty {
                        request = DANEProbeRequest(records: usable, extraNames: target == host.value ? [] : [target])
                    }
                }
            }
            daneFacts = facts
        }
        let probeRequest = request
        let probed = await withTaskGroup(of: (Int, AddressReport, [Issue], TLSFacts?).self) { group in
            for (index, address) in allowed.enumerated() {
                group.addTask {
                    let outcome = await step(pending, "the SMTP probe of \(host.value) [\(address)]") {
                        await limiter.withSlot(key: domain.value) {
                            if let probeRequest { await smtp.probe(host: host, address: address, dane: probeRequest) }
                            else { await smtp.probe(host: host, address: address) }
                        }
                    } ?? .connectFailed("not probed: the check of \(domain.value) was cancelled")
                    let (report, issues) = Self.judge(outcome, host: host, address: address, now: now,
                                                      warningDays: settings.expiryWarningDays)
                    if case .tlsEstablished(let tls) = outcome { return (index, report, issues, tls) }
                    return (index, report, issues, nil)
                }
            }
            var out: [(Int, AddressReport, [Issue], TLSFacts?)] = []
            for await item in group { out.append(item) }
            return out.sorted { $0.0 < $1.0 }
        }
        for (_, _, found, _) in probed { issues += found }
        var reports = probed.map(\.1)
        if probeRequest != nil {
            daneFacts?.probed = probed.map { _, report, found, tls in
                DANEHostFacts.Address(address: report.address, handshake: tls?.dane ?? .notProbed,
                                      webPKIValid: tls != nil && !found.contains { $0.code.rawValue.hasPrefix("tls.cert-") && $0.severity == .error })
            }
            for (index, (_, _, _, tls)) in probed.enumerated() {
                switch tls?.dane {
                case .matched?: reports[index].dane = "matched"
                case .noMatch?: reports[index].dane = "no-match"
                case .nameMismatch?: reports[index].dane = "name-mismatch"
                case .failed?: reports[index].dane = "failed"
                case .notProbed?, nil: break
                }
                if let verdict = reports[index].dane, verdict != "matched" { reports[index].passed = false }
            }
        }
        return (MXReport(host: host.value, preference: preference, addresses: reports + refusedReports), issues, unreachable,
                daneFacts)
    }

    /// The finding for an address the ``AddressPolicy`` refuses.
    static func notPublic(host: String, address: String, why: String, what: String) -> Issue {
        Issue(.netAddressNotPublic, subject: host,
              "\(what) \(host) resolves to \(address), which is \(why); this checker never connects to such addresses (it serves the public), so it was not checked there.")
    }

    /// Turns one probe outcome into facts and findings.
    static func judge(_ outcome: SMTPOutcome, host: DomainName, address: String, now: Timestamp,
                      warningDays: Int) -> (AddressReport, [Issue]) {
        let subject = "\(host.value) [\(address)]"
        var report = AddressReport(address: address, reachable: outcome.reachedSMTP, starttls: outcome.offeredSTARTTLS,
                                   passed: false)
        var issues: [Issue] = []
        switch outcome {
        case .connectFailed(let why):
            issues.append(Issue(.smtpUnreachable, subject: subject,
                "Could not connect to \(address) port 25: \(why). Every address of every MX host must accept SMTP."))
        case .bannerTimeout:
            issues.append(Issue(.smtpUnreachable, subject: subject,
                "\(address) accepted the connection but sent no SMTP banner before the deadline."))
        case .protocolError(let why):
            issues.append(Issue(.smtpProtocolError, subject: subject, "\(address) does not speak valid SMTP: \(why)."))
        case .starttlsNotOffered:
            issues.append(Issue(.smtpStarttlsMissing, subject: subject,
                "\(address) does not offer STARTTLS in its EHLO reply; enable TLS on the server."))
        case .starttlsRefused(let why):
            issues.append(Issue(.smtpStarttlsFailed, subject: subject,
                "\(address) offers STARTTLS but refused it: \(why)."))
        case .handshakeFailed(let why):
            issues.append(Issue(.smtpStarttlsFailed, subject: subject,
                "The TLS handshake with \(address) failed: \(why)."))
        case .tlsEstablished(let tls):
            report.tlsVersion = tls.version.description
            report.cipher = tls.cipher
            report.certificate = tls.chain.first
            report.chainTrusted = tls.verification.chainTrusted
            report.nameMatches = tls.verification.nameMatches
            issues += judgeTLS(tls, host: host, subject: subject, now: now, warningDays: warningDays)
        }
        report.passed = !issues.hasErrors
        return (report, issues)
    }

    static func judgeTLS(_ tls: TLSFacts, host: DomainName, subject: String, now: Timestamp,
                         warningDays: Int) -> [Issue] {
        var issues: [Issue] = []
        if !tls.version.isAtLeastTLS12 {
            issues.append(Issue(.tlsVersionTooOld, subject: subject,
                "The server negotiated \(tls.version); RFC 8461 §7.2 requires TLS 1.2 or newer. Enable TLS 1.2/1.3."))
        }
        guard let leaf = tls.chain.first else {
            issues.append(Issue(.tlsCertUntrusted, subject: subject, "The server presented no certificate."))
            return issues
        }
        let verification = tls.verification
        let notAfter = leaf.notAfter ?? Timestamp(secondsSince1970: 0)
        let notBefore = leaf.notBefore ?? Timestamp(secondsSince1970: 0)
        var dated = false
        if now > notAfter {
            dated = true
            issues.append(Issue(.tlsCertExpired, subject: subject,
                "The certificate expired on \(notAfter.rfc3339). Renew it."))
        } else if now < notBefore {
            dated = true
            issues.append(Issue(.tlsCertExpired, subject: subject,
                "The certificate is not valid before \(notBefore.rfc3339)."))
        } else if notAfter < now.adding(days: warningDays) {
            issues.append(Issue(.tlsCertExpiringSoon, subject: subject,
                "The certificate expires on \(notAfter.rfc3339), within \(warningDays) days. Renew it soon."))
        }
        if !verification.chainTrusted && !(dated && verification.chainErrorCode.isTimeError) {
            issues.append(Issue(.tlsCertUntrusted, subject: subject,
                "The certificate (issuer \(leaf.issuer)) does not chain to a trusted root: \(verification.chainErrorMessage.isEmpty ? "verification failed" : verification.chainErrorMessage)."))
        }
        if !verification.nameMatches {
            let names = leaf.dnsNames.isEmpty ? "no DNS names" : leaf.dnsNames.joined(separator: ", ")
            issues.append(Issue(.tlsCertNameMismatch, subject: subject,
                "The certificate is not valid for \(host.value) (it names \(names)); its subjectAltName must cover the MX host name."))
        }
        return issues
    }
}
