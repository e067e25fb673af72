import PreloadCore

/// A DNS resolver over libunbound: MX, A, AAAA, TXT and TLSA lookups, each answer distinguishing records,
/// NXDOMAIN, no data, SERVFAIL and timeout, and carrying its DNSSEC status.
///
/// One resolver owns one libunbound context, driven by one dedicated thread: queries from any number of
/// tasks run at once, none of them blocks Swift's cooperative pool, and each comes back by its deadline.
/// Create one resolver and share it; answers are cached in it for their TTL.
public final class DNSResolver: Sendable {
    /// Where queries go and how answers are validated.
    public struct Configuration: Sendable, Hashable {
        /// The upstream servers.
        public enum Upstream: Sendable, Hashable {
            /// Forward to the name servers of a resolv.conf file (by default `/etc/resolv.conf`).
            case resolvConf(path: String)
            /// Forward every query to one server, `IP` or `IP@PORT` (IPv4 or IPv6).
            case forwarder(String)
        }
        /// The DNSSEC trust anchor.
        public enum TrustAnchor: Sendable, Hashable {
            /// `/usr/share/dns/root.key` (Debian `dns-root-data`) when it exists, else none.
            case automatic
            /// No validation: every answer is ``DNSSECStatus/unvalidated``.
            case none
            /// A trust anchor file in zone-file format.
            case file(String)
        }

        /// The upstream servers (default: `/etc/resolv.conf`).
        public var upstream: Upstream
        /// The trust anchor (default: the root key when installed).
        public var trustAnchor: TrustAnchor
        /// Zones served by a local test bed: made `transparent` so that unbound's built-in RFC 6761 zone does
        /// not answer NXDOMAIN itself, and `domain-insecure` so that validation does not fail for them.
        /// Default `["test"]`; harmless against public resolvers, which answer NXDOMAIN for them anyway.
        public var testZones: [String]
        /// The default deadline of one query, in seconds.
        public var timeout: Double

        /// A configuration; every argument has the default described on its property.
        public init(
            upstream: Upstream = .resolvConf(path: "/etc/resolv.conf"), trustAnchor: TrustAnchor = .automatic,
            testZones: [String] = ["test"], timeout: Double = 10
        ) {
            self.upstream = upstream
            self.trustAnchor = trustAnchor
            self.testZones = testZones
            self.timeout = timeout
        }

        /// The configuration for `--dns IP[@PORT]` when given, else the system's resolvers.
        public static func forwarding(to server: String?, timeout: Double = 10) -> Configuration {
            Configuration(upstream: server.map { .forwarder($0) } ?? .resolvConf(path: "/etc/resolv.conf"),
                timeout: timeout)
        }
    }

    /// The configuration this resolver was made with.
    public let configuration: Configuration
    private let context: UnboundContext

    /// Creates the resolver and its libunbound context.
    /// - Throws: ``DNSResolverError`` when the configuration is refused (a malformed forwarder address,
    ///   an unreadable resolv.conf or trust anchor file).
    public init(_ configuration: Configuration = Configuration()) throws(DNSResolverError) {
        self.configuration = configuration
        self.context = try UnboundContext(configuration)
    }

    /// Looks up records of type `Record` at `name` (an absolute domain name, trailing dot optional).
    /// Returns within `timeout` seconds (default: the configuration's) with ``DNSOutcome/timeout`` at worst.
    public func lookup<Record: DNSRecordData>(
        _ type: Record.Type, _ name: String, timeout: Double? = nil
    ) async -> DNSAnswer<Record> {
        let raw = await context.resolve(
            name: name, type: Record.recordType, timeout: timeout ?? configuration.timeout)
        return raw.decoded(as: Record.self, name: name)
    }

    /// MX records of `name`.
    public func mx(_ name: String, timeout: Double? = nil) async -> DNSAnswer<MXRecord> {
        await lookup(MXRecord.self, name, timeout: timeout)
    }

    /// IPv4 addresses of `name` (CNAMEs followed).
    public func a(_ name: String, timeout: Double? = nil) async -> DNSAnswer<ARecord> {
        await lookup(ARecord.self, name, timeout: timeout)
    }

    /// IPv6 addresses of `name` (CNAMEs followed).
    public func aaaa(_ name: String, timeout: Double? = nil) async -> DNSAnswer<AAAARecord> {
        await lookup(AAAARecord.self, name, timeout: timeout)
    }

    /// TXT records of `name` (CNAMEs followed; see ``DNSAnswer/canonicalName``).
    public func txt(_ name: String, timeout: Double? = nil) async -> DNSAnswer<TXTRecord> {
        await lookup(TXTRecord.self, name, timeout: timeout)
    }

    /// TLSA records of `name` (e.g. `_25._tcp.mx.example.com`).
    public func tlsa(_ name: String, timeout: Double? = nil) async -> DNSAnswer<TLSARecord> {
        await lookup(TLSARecord.self, name, timeout: timeout)
    }

    /// Both address families of `name`, looked up at once.
    public func addresses(_ name: String, timeout: Double? = nil) async -> (
        v4: DNSAnswer<ARecord>, v6: DNSAnswer<AAAARecord>
    ) {
        async let v4 = a(name, timeout: timeout)
        async let v6 = aaaa(name, timeout: timeout)
        return await (v4, v6)
    }

    /// Whether the upstream answers at all: asks for the root's SOA and counts any answer (even NXDOMAIN,
    /// no data or a DNSSEC failure) as reachable; a timeout or a SERVFAIL that is not a validation failure
    /// means unreachable. The checker uses this to tell "the domain's DNS is broken" from "our resolver is".
    public func checkReachable(timeout: Double? = nil) async -> DNSReachability {
        let raw = await context.resolve(name: ".", type: .soa, timeout: timeout ?? configuration.timeout)
        switch raw.outcome {
        case .answered(let rcode, _) where rcode == 2 && !raw.bogus:
            return .unreachable("the resolver answered SERVFAIL for the root zone")
        case .answered: return .reachable
        case .timeout: return .unreachable("no answer within the deadline")
        case .failed(let message): return .unreachable(message)
        }
    }
}

/// The resolver could not be set up.
public struct DNSResolverError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What we were doing.
    public var operation: String
    /// libunbound's message (`ub_strerror`).
    public var message: String

    /// An error value.
    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }
}
