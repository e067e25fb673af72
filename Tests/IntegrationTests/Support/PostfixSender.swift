import Foundation
import PreloadTesting

/// A private Postfix instance that *sends* mail to the test bed's MX hosts, for end-to-end tests of the
/// TLS policy the client gives Postfix.
///
/// DNS: Postfix resolves MX and A records through the system resolver (`/etc/resolv.conf`, port 53 only),
/// so the instance runs in its own mount namespace (`unshare --mount`) where `/etc/resolv.conf` is bound
/// to a file naming a forwarding unbound on `127.0.9.55:53` that sends everything to the test bed's DNS.
/// Every Postfix process is forked by that master and stays in the namespace; the machine's resolver
/// configuration is untouched. Routes are not pinned, so Postfix looks up the real next hop
/// (`good.test`) and asks the policy table about that domain, as in production.
final class PostfixSender: @unchecked Sendable {  // immutable after init; processes are stopped in stop()
    let directory: String
    let configDirectory: String
    let logFile: String
    private let forwarder: Process
    static let forwarderAddress = "127.0.9.55"

    /// Writes the configuration under `directory` (created, world-searchable: Postfix's daemons run as
    /// `postfix`) and starts the forwarder and the instance. `policyMaps` is the `smtp_tls_policy_maps` value.
    ///
    /// With `trustAnchor`, the forwarder validates (the test zones' anchors), the resolver configuration keeps
    /// its AD bit (`options trust-ad`) and Postfix uses it (`smtp_dns_support_level = dnssec`), for DANE.
    init(directory: String, dnsServer: String, caFile: String, policyMaps: String,
         forwarderAddress: String = PostfixSender.forwarderAddress, trustAnchor: String? = nil) async throws {
        self.directory = directory
        configDirectory = directory + "/etc"
        logFile = directory + "/maillog"
        let fm = FileManager.default
        for sub in ["etc", "queue", "data", "unbound"] {
            try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        var path = directory
        while path != "/" && !path.isEmpty {
            chmod(path, 0o755)
            path = (path as NSString).deletingLastPathComponent
        }
        _ = try await Self.run("/bin/chown", ["postfix", directory + "/data"])

        let (dnsAddress, dnsPort) = Self.split(dnsServer)
        try """
            server:
              interface: \(forwarderAddress)
              port: 53
              do-daemonize: no
              username: ""
              chroot: ""
              pidfile: ""
              use-syslog: no
              logfile: ""
              verbosity: 0
              do-not-query-localhost: no
              module-config: "\(trustAnchor == nil ? "iterator" : "validator iterator")"\(trustAnchor.map { "\n  trust-anchor-file: \"\($0)\"" } ?? "")
              local-zone: "test." transparent
              domain-insecure: "test."
              cache-max-ttl: 0
              cache-max-negative-ttl: 0
            forward-zone:
              name: "."
              forward-addr: \(dnsAddress)@\(dnsPort)

            """.write(toFile: directory + "/unbound/unbound.conf", atomically: true, encoding: .utf8)
        try "nameserver \(forwarderAddress)\noptions attempts:2 timeout:2\(trustAnchor == nil ? "" : " trust-ad")\n"
            .write(toFile: directory + "/resolv.conf", atomically: true, encoding: .utf8)

        try """
            # A private Postfix sender for preload's end-to-end tests: it relays every message to the MX hosts
            # of the recipient's domain, with TLS as smtp_tls_policy_maps says.
            compatibility_level = 3.6
            queue_directory = \(directory)/queue
            data_directory = \(directory)/data
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = sender.preload.test
            mydomain = preload.test
            myorigin = $myhostname
            mydestination =
            alias_maps =
            alias_database =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            relay_domains =
            default_transport = smtp
            maillog_file = \(logFile)
            maillog_file_prefixes = \(directory)
            biff = no
            smtp_dns_support_level = \(trustAnchor == nil ? "enabled" : "dnssec")
            smtp_host_lookup = dns
            smtp_address_preference = ipv4
            smtp_connect_timeout = 10s
            smtp_tls_security_level = may
            smtp_tls_CAfile = \(caFile)
            smtp_tls_loglevel = 1
            smtp_tls_policy_maps = \(policyMaps)
            queue_run_delay = 300s
            minimal_backoff_time = 300s
            maximal_backoff_time = 600s
            bounce_queue_lifetime = 1d
            maximal_queue_lifetime = 1d

            """.write(toFile: configDirectory + "/main.cf", atomically: true, encoding: .utf8)
        try """
            pickup    unix  n       -       n       60      1       pickup
            cleanup   unix  n       -       n       -       0       cleanup
            qmgr      unix  n       -       n       300     1       qmgr
            tlsmgr    unix  -       -       n       1000?   1       tlsmgr
            rewrite   unix  -       -       n       -       -       trivial-rewrite
            bounce    unix  -       -       n       -       0       bounce
            defer     unix  -       -       n       -       0       bounce
            trace     unix  -       -       n       -       0       bounce
            verify    unix  -       -       n       -       1       verify
            flush     unix  n       -       n       1000?   0       flush
            proxymap  unix  -       -       n       -       -       proxymap
            proxywrite unix -       -       n       -       1       proxymap
            smtp      unix  -       -       n       -       -       smtp
            relay     unix  -       -       n       -       -       smtp
            showq     unix  n       -       n       -       -       showq
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            discard   unix  -       -       n       -       -       discard
            local     unix  -       n       n       -       -       local
            virtual   unix  -       n       n       -       -       virtual
            lmtp      unix  -       -       n       -       -       lmtp
            anvil     unix  -       -       n       -       1       anvil
            scache    unix  -       -       n       -       1       scache
            postlog   unix-dgram n  -       n       -       1       postlogd

            """.write(toFile: configDirectory + "/master.cf", atomically: true, encoding: .utf8)

        forwarder = Process()
        forwarder.executableURL = URL(fileURLWithPath: "/usr/sbin/unbound")
        forwarder.arguments = ["-d", "-c", directory + "/unbound/unbound.conf"]
        forwarder.standardOutput = FileHandle.nullDevice
        forwarder.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: Self.touch(directory + "/unbound/unbound.log")))
        try forwarder.run()

        let start = try await Self.run("/usr/bin/unshare", [
            "--mount", "--propagation", "private", "/bin/sh", "-c",
            "mount --bind \"$1\" /etc/resolv.conf && exec /usr/sbin/postfix -c \"$2\" start", "sh",
            directory + "/resolv.conf", configDirectory,
        ])
        guard start.status == 0 else {
            await stop()
            throw TestBedError("the Postfix sender did not start: \(start.output)")
        }
    }

    /// Submits a message from `sender@preload.test` to `recipient` (through `sendmail -C`); returns its tag.
    func send(to recipient: String, subject: String) async throws {
        let message = "From: sender@preload.test\nTo: \(recipient)\nSubject: \(subject)\n\nEnd-to-end test of preload.\n"
        let out = try await Self.run("/usr/sbin/sendmail", ["-C", configDirectory, "-f", "sender@preload.test", "-i", recipient],
                                     stdin: Array(message.utf8))
        guard out.status == 0 else { throw TestBedError("sendmail: \(out.output)") }
    }

    /// Makes the queue manager try deferred mail now.
    func flush() async throws { _ = try await Self.run("/usr/sbin/postqueue", ["-c", configDirectory, "-f"]) }

    /// The instance's log so far.
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The log lines mentioning `recipient`'s queue ids (the lines with `to=<recipient>` and their queue id's other lines).
    func logLines(for recipient: String) -> [String] {
        let lines = log.split(separator: "\n").map(String.init)
        let ids = Set(lines.filter { $0.contains("to=<\(recipient)>") }.compactMap { Self.queueID($0) })
        return lines.filter { line in Self.queueID(line).map(ids.contains) ?? false }
    }

    /// The recipients still in the queue (`postqueue -j`).
    func queuedRecipients() async throws -> [String] {
        let out = try await Self.run("/usr/sbin/postqueue", ["-c", configDirectory, "-j"])
        var addresses: [String] = []
        for line in out.output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let recipients = object["recipients"] as? [[String: Any]] else { continue }
            addresses += recipients.compactMap { $0["address"] as? String }
        }
        return addresses
    }

    /// Stops the instance (at once) and the forwarder.
    func stop() async {
        _ = try? await Self.run("/usr/sbin/postfix", ["-c", configDirectory, "abort"])
        let forwarder = self.forwarder
        _ = try? await onThread {
            if forwarder.isRunning {
                forwarder.terminate()
                forwarder.waitUntilExit()
            }
        }
    }

    private static func queueID(_ line: String) -> String? {
        // "... postfix/smtp[123]: 4ABCD123: to=<...>"
        guard let range = line.range(of: #"\]: ([0-9A-F]{6,}|[0-9A-Za-z]{10,}): "#, options: .regularExpression) else { return nil }
        return String(line[range].dropFirst(3).dropLast(2))
    }

    private static func split(_ server: String) -> (String, String) {
        let parts = server.split(separator: "@", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : "53")
    }

    private static func touch(_ path: String) -> String {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    struct Output {
        var status: Int32
        var output: String
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], stdin: [UInt8]? = nil) async throws -> Output {
        let out = try await Tool.run(tool, arguments, stdin: stdin)
        return Output(status: out.status, output: out.stdout + out.stderr)
    }
}

/// A long-running child process (the socketmap daemon), stopped with SIGTERM.
final class ChildProcess: @unchecked Sendable {  // the Process is only used to stop it
    private let process = Process()
    let logFile: String

    init(_ executable: String, _ arguments: [String], log: String) throws {
        logFile = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    func stop() async {
        let process = self.process
        _ = try? await onThread {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }
}
