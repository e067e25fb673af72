import Foundation
import PreloadCore
import PreloadOpenSSL
import PreloadSMTPProbe
import PreloadTesting
import Testing

/// The SMTP/STARTTLS probe against the test bed's Postfix listeners and misbehaving servers.
@Suite struct SMTPProbeTests {
    private func probe(_ scenario: String, timeout: Double = CheckerIntegrationTests.stepTimeout, now: Timestamp? = nil, trust: TrustStore? = nil)
        async throws -> SMTPProbeResult
    {
        let bed = try await NetTestBed.shared
        let prober = try SMTPProbe(trust: trust ?? .caFile(bed.caFile), timeouts: .init(each: timeout))
        let (host, address) = try bed.mxAddress(scenario)
        return await prober.probe(host: host, address: address, port: bed.smtpPort, now: now)
    }

    @Test func validCertificateOnEveryStep() async throws {
        let result = try await probe("good.test")
        #expect(result.failure == nil)
        #expect(result.banner?.code == 220)
        #expect(result.starttlsOffered)
        #expect(result.starttlsReply?.code == 220)
        #expect(result.dataAfterSTARTTLS == false)
        let tls = try #require(result.tls)
        #expect(tls.version.isAtLeastTLS12)
        #expect(!tls.cipher.isEmpty)
        #expect(tls.verification.isValid)
        #expect(tls.verification.code == 0)
        let leaf = try #require(tls.chain.first)
        #expect(leaf.dnsNames.contains(result.host))
        #expect(leaf.sha256.count == 64 && leaf.spkiSHA256.count == 64)
        #expect(try #require(leaf.notBefore) < #require(leaf.notAfter))
        #expect(result.tlsEhlo?.code == 250)
    }

    @Test func everyAddressOfAMultiAddressHost() async throws {
        let bed = try await NetTestBed.shared
        let prober = try SMTPProbe(trust: .caFile(bed.caFile), timeouts: .init(each: CheckerIntegrationTests.stepTimeout))
        let mx = try #require(try bed.domain("good.test").mx.first { $0.addresses.count > 1 })
        for address in mx.addresses {
            let result = await prober.probe(host: mx.host, address: address, port: bed.smtpPort)
            #expect(result.failure == nil, "\(address)")
            #expect(result.tls?.verification.isValid == true, "\(address)")
        }
    }

    @Test(.requiresTestBedIPv6) func ipv6Address() async throws {
        let bed = try await NetTestBed.shared
        let prober = try SMTPProbe(trust: .caFile(bed.caFile), timeouts: .init(each: CheckerIntegrationTests.stepTimeout))
        let mx = try #require(try bed.domain("good2.test").mx.first)
        let address = try #require(mx.addresses.first { $0.contains(":") })
        let result = await prober.probe(host: mx.host, address: address, port: bed.smtpPort)
        #expect(result.failure == nil)
        #expect(result.tls?.verification.isValid == true)
    }

    @Test func noSTARTTLS() async throws {
        let result = try await probe("no-starttls.test")
        #expect(result.failure == .starttlsNotOffered)
        #expect(result.ehlo?.code == 250)
        #expect(!result.starttlsOffered)
        #expect(result.tls == nil)
    }

    @Test func starttlsRefused() async throws {
        let result = try await probe("starttls-454.test")
        #expect(result.starttlsOffered)
        #expect(result.failure == .rejected(.starttls, code: 454))
        #expect(result.starttlsReply?.code == 454)
    }

    @Test func starttlsThenGarbage() async throws {
        let result = try await probe("starttls-garbage.test")
        guard case .handshakeFailed(let reason) = result.failure else {
            Issue.record("expected a failed handshake, got \(String(describing: result.failure))")
            return
        }
        #expect(!reason.isEmpty)
        #expect(result.failure?.step == .handshake)
    }

    @Test func selfSigned() async throws {
        let verification = try #require(try await probe("self-signed.test").tls?.verification)
        #expect(!verification.chainTrusted)
        #expect(verification.nameMatches)
        #expect(!verification.expired)
        #expect(verification.code != 0)
        #expect(!verification.isValid)
    }

    @Test func expired() async throws {
        let verification = try #require(try await probe("expired-cert.test").tls?.verification)
        #expect(verification.expired)
        #expect(verification.chainTrusted)
        #expect(verification.nameMatches)
        #expect(!verification.isValid)
    }

    @Test func injectedClockMakesAValidCertificateExpired() async throws {
        let now = try #require(try await probe("good.test").tls?.chain.first?.notAfter).adding(days: 1)
        let verification = try #require(try await probe("good.test", now: now).tls?.verification)
        #expect(verification.expired)
        #expect(verification.code == 10)  // X509_V_ERR_CERT_HAS_EXPIRED
        #expect(verification.chainTrusted && verification.nameMatches)
    }

    @Test func expiringSoonIsStillValid() async throws {
        let result = try await probe("expiring-soon.test")
        let tls = try #require(result.tls)
        #expect(tls.verification.isValid)
        let notAfter = try #require(tls.chain.first?.notAfter)
        let now = Int64(Date().timeIntervalSince1970)
        #expect(notAfter.secondsSince1970 > now && notAfter.secondsSince1970 < now + 14 * 86400)
    }

    @Test func wrongName() async throws {
        let verification = try #require(try await probe("wrong-name.test").tls?.verification)
        #expect(!verification.nameMatches)
        #expect(verification.chainTrusted)
        #expect(verification.code == 62)  // X509_V_ERR_HOSTNAME_MISMATCH
    }

    @Test func commonNameIsNeverUsed() async throws {
        let result = try await probe("cn-only.test")
        let tls = try #require(result.tls)
        #expect(tls.chain.first?.dnsNames == [])
        #expect(tls.chain.first?.subject.contains(result.host) == true)
        #expect(!tls.verification.nameMatches)
    }

    @Test func tls10OnlyServerIsObserved() async throws {
        let result = try await probe("tls10.test")
        let tls = try #require(result.tls, "the probe must complete a TLS 1.0/1.1 handshake to report it")
        #expect(!tls.version.isAtLeastTLS12)
        #expect(tls.version == .tls1_0 || tls.version == .tls1_1)
    }

    @Test func neverSendsBanner() async throws {
        let result = try await probe("no-banner.test", timeout: 1)
        #expect(result.connected)
        #expect(result.failure == .timeout(.banner))
    }

    @Test func garbageBanner() async throws {
        let result = try await probe("garbage-banner.test")
        guard case .garbage(.banner, _) = result.failure else {
            Issue.record("expected garbage at the banner, got \(String(describing: result.failure))")
            return
        }
    }

    @Test func floodingBanner() async throws {
        let result = try await probe("banner-flood.test")
        #expect(result.failure == .tooLong(.banner))
    }

    @Test func connectionRefused() async throws {
        let result = try await probe("unreachable.test")
        #expect(!result.connected)
        #expect(result.failure == .connectRefused)
    }

    @Test func systemTrustStoreDoesNotTrustTheTestCA() async throws {
        let verification = try #require(try await probe("good.test", trust: .system).tls?.verification)
        #expect(!verification.chainTrusted)
        #expect(verification.nameMatches)
    }

    @Test func unreadableCAFileIsAnError() {
        #expect(throws: OpenSSLError.self) { try SMTPProbe(trust: .caFile("/nonexistent/ca.pem")) }
    }
}
