import ArgumentParser
import Foundation

/// The network options every network command shares.
struct NetworkOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "DNS resolver to forward to, IP[@PORT] (env PRELOAD_DNS). Default: the servers in /etc/resolv.conf.",
        valueName: "ip[@port]"))
    var dns: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "Trust roots (PEM) for SMTP and HTTPS (env PRELOAD_CA_FILE). Default: the system bundle.",
        valueName: "path"))
    var caFile: String?

    @Option(name: .customLong("trust-anchor"), help: ArgumentHelp(
        "DNSSEC trust anchor file in zone-file format, DS or DNSKEY records (env PRELOAD_TRUST_ANCHOR), for DANE: answers it validates count as secure. Default: the root key /usr/share/dns/root.key when installed; without one, DANE is not checked.",
        valueName: "path"))
    var trustAnchor: String?

    @Option(name: .long, help: "Deadline in seconds for each network step (connect, each SMTP reply, handshake, fetch).")
    var timeout: Double = 20

    @Option(name: .long, help: "How many SMTP probes and policy fetches run at once.")
    var concurrency: Int = 16

    @Option(name: .customLong("smtp-port"), help: "SMTP port of MX hosts (test beds only).")
    var smtpPort: Int = 25

    @Option(name: .customLong("https-port"), help: "HTTPS port of mta-sts hosts (test beds only).")
    var httpsPort: Int = 443

    func validate() throws {
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 1024") }
        guard (1...65535).contains(smtpPort), (1...65535).contains(httpsPort) else {
            throw ValidationError("ports must be between 1 and 65535")
        }
        if let forwarder = resolvedDNS {
            let parts = forwarder.split(separator: "@", maxSplits: 1)
            let ip = String(parts[0])
            var a4 = in_addr(), a6 = in6_addr()
            guard inet_pton(AF_INET, ip, &a4) == 1 || inet_pton(AF_INET6, ip, &a6) == 1 else {
                throw ValidationError("--dns/PRELOAD_DNS must be an IP address with an optional @port, not '\(forwarder)'")
            }
            if parts.count == 2, Int(parts[1]).map({ !(1...65535).contains($0) }) ?? true {
                throw ValidationError("--dns/PRELOAD_DNS has an invalid port in '\(forwarder)'")
            }
        }
        if let ca = resolvedCAFile, !FileManager.default.isReadableFile(atPath: ca) {
            throw ValidationError("--ca-file/PRELOAD_CA_FILE: cannot read '\(ca)'")
        }
        if let anchor = resolvedTrustAnchor, !FileManager.default.isReadableFile(atPath: anchor) {
            throw ValidationError("--trust-anchor/PRELOAD_TRUST_ANCHOR: cannot read '\(anchor)'")
        }
    }

    /// `--dns`, else `PRELOAD_DNS`.
    var resolvedDNS: String? { dns ?? ProcessInfo.processInfo.environment["PRELOAD_DNS"].flatMap { $0.isEmpty ? nil : $0 } }
    /// `--trust-anchor`, else `PRELOAD_TRUST_ANCHOR`.
    var resolvedTrustAnchor: String? {
        trustAnchor ?? ProcessInfo.processInfo.environment["PRELOAD_TRUST_ANCHOR"].flatMap { $0.isEmpty ? nil : $0 }
    }
    /// `--ca-file`, else `PRELOAD_CA_FILE`.
    var resolvedCAFile: String? {
        caFile ?? ProcessInfo.processInfo.environment["PRELOAD_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
