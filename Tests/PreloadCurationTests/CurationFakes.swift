import Foundation
import PreloadChecker
import PreloadCore
import PreloadState
@testable import PreloadCuration
import PreloadTesting

/// A mutable world of mail domains behind the checker's three ports.
final class FakeWorld: CheckerDNS, SMTPProbing, PolicyFetching, @unchecked Sendable {
    private let lock = NSLock()
    private var mxRecords: [String: DNSLookup<[MXRecord]>] = [:]
    private var a: [String: [String]] = [:]
    private var txtRecords: [String: [String]] = [:]
    private var smtp: [String: SMTPOutcome] = [:]
    private var policies: [String: PolicyFetchOutcome] = [:]
    private var nextAddress = 1
    /// When set, every DNS lookup fails as if our resolver were down.
    var resolverDown: Bool {
        get { lock.withLock { _resolverDown } }
        set { lock.withLock { _resolverDown = newValue } }
    }
    private var _resolverDown = false
    /// Domains checked, in order (MX lookups).
    var checked: [String] { lock.withLock { _checked } }
    private var _checked: [String] = []

    let clock: TestClock
    init(clock: TestClock) { self.clock = clock }

    /// A domain with two good MX hosts `mx1`/`mx2.<domain>`, TLS-RPT, and, when `policyMode` is given,
    /// an MTA-STS record and policy `mx: *.<domain>`.
    func addGoodDomain(_ domain: String, policyMode: STSMode? = .enforce) {
        lock.withLock {
            mxRecords[domain] = .found([MXRecord(preference: 10, exchange: "mx1.\(domain)"),
                                        MXRecord(preference: 20, exchange: "mx2.\(domain)")], dnssec: .insecure)
            for host in ["mx1.\(domain)", "mx2.\(domain)"] {
                let address = "127.0.\(nextAddress / 250).\(nextAddress % 250 + 1)"
                nextAddress += 1
                a[host] = [address]
                smtp[address] = Self.goodTLS([host], clock.now())
            }
            txtRecords["_smtp._tls.\(domain)"] = ["v=TLSRPTv1; rua=mailto:tlsrpt@\(domain)"]
            if let policyMode {
                a["mta-sts.\(domain)"] = ["127.1.0.1"]
                txtRecords["_mta-sts.\(domain)"] = ["v=STSv1; id=1"]
                policies[domain] = .fetched(contentType: "text/plain",
                    body: Array("version: STSv1\nmode: \(policyMode.rawValue)\nmx: *.\(domain)\nmax_age: 604800\n".utf8))
            }
        }
    }

    /// Replaces the MTA-STS policy body.
    func setPolicy(_ domain: String, _ body: String) {
        lock.withLock {
            a["mta-sts.\(domain)"] = ["127.1.0.1"]
            txtRecords["_mta-sts.\(domain)"] = ["v=STSv1; id=2"]
            policies[domain] = .fetched(contentType: "text/plain", body: Array(body.utf8))
        }
    }

    /// Sets the probe outcome of every address of the domain's MX hosts.
    func setSMTP(_ domain: String, _ outcome: SMTPOutcome) {
        lock.withLock {
            for host in ["mx1.\(domain)", "mx2.\(domain)"] { for address in a[host] ?? [] { smtp[address] = outcome } }
        }
    }

    /// Publishes (or, with `nil`, deletes) TXT records at `name`.
    func setTXT(_ name: String, _ values: [String]?) { lock.withLock { txtRecords[name] = values } }

    /// Adds an MX host `name` with a good server.
    func addMX(_ domain: String, host: String) {
        lock.withLock {
            if case .found(var list, let s) = mxRecords[domain] {
                list.append(MXRecord(preference: 30, exchange: host))
                mxRecords[domain] = .found(list, dnssec: s)
            }
            let address = "127.2.0.\(nextAddress % 250 + 1)"
            nextAddress += 1
            a[host] = [address]
            smtp[address] = Self.goodTLS([host], clock.now())
        }
    }

    static func goodTLS(_ names: [String], _ now: Timestamp) -> SMTPOutcome {
        .tlsEstablished(TLSFacts(version: .tls1_3, cipher: "TLS_AES_256_GCM_SHA384",
            chain: [CertificateFacts(subject: "CN=\(names[0])", issuer: "CN=Test CA", dnsNames: names,
                                     notBefore: now.adding(days: -30), notAfter: now.adding(days: 365))],
            chainTrusted: true, nameMatches: true))
    }

    static func expiredTLS(_ name: String, _ now: Timestamp) -> SMTPOutcome {
        .tlsEstablished(TLSFacts(version: .tls1_3, cipher: "TLS_AES_256_GCM_SHA384",
            chain: [CertificateFacts(subject: "CN=\(name)", issuer: "CN=Test CA", dnsNames: [name],
                                     notBefore: now.adding(days: -400), notAfter: now.adding(days: -1))],
            chainTrusted: false, chainError: .certHasExpired, nameMatches: true))
    }

    // MARK: Ports

    func mx(_ domain: DomainName) async -> DNSLookup<[MXRecord]> {
        lock.withLock {
            _checked.append(domain.value)
            if _resolverDown { return .failed(.resolverUnreachable("connection refused")) }
            return mxRecords[domain.value] ?? .nxdomain
        }
    }
    func ipv4(_ host: DomainName) async -> DNSLookup<[String]> {
        lock.withLock {
            if _resolverDown { return .failed(.resolverUnreachable("connection refused")) }
            return a[host.value].map { .found($0, dnssec: .insecure) } ?? .nxdomain
        }
    }
    func ipv6(_ host: DomainName) async -> DNSLookup<[String]> {
        lock.withLock { _resolverDown ? .failed(.resolverUnreachable("connection refused")) : .noData }
    }
    func txt(_ name: String) async -> DNSLookup<[String]> {
        lock.withLock {
            if _resolverDown { return .failed(.resolverUnreachable("connection refused")) }
            return txtRecords[name].map { .found($0, dnssec: .insecure) } ?? .nxdomain
        }
    }
    func probe(host: DomainName, address: String) async -> SMTPOutcome {
        lock.withLock { smtp[address] ?? .connectFailed("connection refused") }
    }
    func fetchPolicy(domain: DomainName, addresses: [String]) async -> PolicyFetchOutcome {
        lock.withLock { policies[domain.value] ?? .failed(TransferError(code: 7, message: "connection refused")) }
    }

    var checker: Checker { Checker(dns: self, smtp: self, https: self, clock: clock, settings: CheckerSettings(concurrency: 8)) }
}

/// A publisher that keeps the "committed" list in memory.
actor FakePublisher: ListPublishing {
    private(set) var committed: PreloadList?
    private(set) var publishCount = 0
    var failNext = false
    let validityDays: Int

    init(validityDays: Int = 14) { self.validityDays = validityDays }

    func committedList() async throws -> PreloadList? { committed }

    func publish(entries: [ListEntry], now: Timestamp) async throws -> PublishedListInfo {
        if failNext {
            failNext = false
            throw CurationError.corrupt("injected publish failure")
        }
        let serial = (committed?.serial ?? 0) + 1
        let list = PreloadList(serial: serial, generated: now, expires: now.adding(days: validityDays),
                               publisher: "test", entries: entries.sorted { $0.domain < $1.domain })
        committed = list
        publishCount += 1
        return PublishedListInfo(serial: serial, generated: now, expires: list.expires, domains: entries.count,
                                 commit: "c\(serial)")
    }

    func failOnce() { failNext = true }

    /// The committed entry of a domain.
    func entry(_ domain: String) -> ListEntry? { committed?.entries.first { $0.domain.value == domain } }
}

/// A notifier that records mails, or fails.
actor FakeNotifier: Notifier {
    private(set) var sent: [OutgoingMail] = []
    var failing = false
    func send(_ mail: OutgoingMail) async throws {
        if failing { throw CurationError.corrupt("relay down") }
        sent.append(mail)
    }
    func setFailing(_ on: Bool) { failing = on }
}

/// A fresh state directory.
func temporaryStore() throws -> SQLiteStateStore {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preload-state-\(UUID().uuidString)").path
    return try SQLiteStateStore(directory: dir)
}

/// Everything a curation test needs.
struct Bed {
    let clock: TestClock
    let world: FakeWorld
    /// The state, and a way to reach its database directly.
    let sut: StoreUnderTest
    var store: any CurationStore { sut.store }
    let publisher: FakePublisher
    let notifier: FakeNotifier

    /// A bed on the SQLite state.
    init(now: Timestamp = t0) throws {
        let store = try temporaryStore()
        self.init(now: now, sut: StoreUnderTest(backend: .sqlite, store: store, location: store.directory))
    }

    private init(now: Timestamp, sut: StoreUnderTest) {
        clock = TestClock(now)
        world = FakeWorld(clock: clock)
        self.sut = sut
        publisher = FakePublisher()
        notifier = FakeNotifier()
    }

    /// A bed on a fresh state of `backend`.
    static func make(_ backend: Backend, now: Timestamp = t0) async throws -> Bed {
        Bed(now: now, sut: try await StoreUnderTest.make(backend))
    }

    /// The SQLite store (for the tests of what only SQLite has: its file, its lock file).
    var sqlite: SQLiteStateStore { sut.store as! SQLiteStateStore }

    func submitService(limits: AbuseLimits = .defaults) -> SubmitService {
        SubmitService(store: store, checker: world.checker, clock: clock, limits: limits)
    }
    func removalService() -> RemovalService { RemovalService(store: store, dns: world, clock: clock) }
    func statusService() -> StatusService { StatusService(store: store, clock: clock) }
    func validateAll(publish: Bool = true, notify: Bool = true, concurrency: Int = 4) -> ValidateAllService {
        ValidateAllService(store: store, checker: world.checker, clock: clock, publisher: publish ? publisher : nil,
                           notifier: notify ? notifier : nil, concurrency: concurrency)
    }

    /// Submits as the local `preload submit` does (its contact counts as confirmed), or as a service's
    /// request (`contactConfirmed: false`: the contact must confirm by the mailed code).
    func submit(_ domain: String, contact: String = "postmaster@example.test", mode: ListMode? = nil,
                mx: [String] = [], contactConfirmed: Bool = true) async throws -> SubmitOutcome {
        try await submitService().submit(SubmitRequest(domain: try DomainName(domain), contact: try ContactAddress(contact), mode: mode,
                                                       patterns: mx.map { try MXPattern($0) }, contactConfirmed: contactConfirmed))
    }

    func contactService(notify: Bool = true, limits: ContactLimits = .defaults) -> ContactService {
        ContactService(store: store, notifier: notify ? notifier : nil, clock: clock, limits: limits,
                       publicURL: "https://preload.example")
    }

    /// Submits, publishes the challenge, submits again: the domain is in probation.
    func admit(_ domain: String, mx: [String] = [], contact: String = "postmaster@example.test",
               contactConfirmed: Bool = true) async throws {
        guard case .challengeIssued(let challenge, _, _, _) = try await submit(domain, contact: contact, mx: mx,
                                                                               contactConfirmed: contactConfirmed) else {
            throw CurationError.corrupt("no challenge issued for \(domain)")
        }
        world.setTXT(Challenge.recordName(for: try DomainName(domain)), [challenge.recordValue])
        guard case .verified = try await submit(domain, contact: contact, mx: mx, contactConfirmed: contactConfirmed) else {
            throw CurationError.corrupt("not verified")
        }
    }

    func state(_ domain: String) async throws -> LifecycleState? {
        let d = try DomainName(domain)
        return try await store.read { try $0.record(d)?.state }
    }
}

extension PolicyFetchOutcome {
    /// An HTTP 200 answer.
    static func fetched(contentType: String?, body: [UInt8]) -> PolicyFetchOutcome {
        .response(HTTPResponse(status: 200, contentType: contentType, body: body))
    }
}
