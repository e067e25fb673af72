import PreloadCore
import Testing

/// The SSRF guard's classification of addresses (`preload serve` without `--allow-private-targets`).
@Suite struct AddressPolicyTests {
    @Test("non-public IPv4 and IPv6 addresses are refused, with the range named", arguments: [
        ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"), ("10.0.0.1", "RFC 1918"),
        ("172.16.0.1", "RFC 1918"), ("172.31.255.255", "RFC 1918"), ("192.168.1.1", "RFC 1918"),
        ("100.64.0.1", "CGNAT"), ("100.127.255.255", "CGNAT"), ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
        ("192.0.2.1", "documentation"), ("198.51.100.7", "documentation"), ("203.0.113.9", "documentation"),
        ("198.18.0.1", "benchmarking"), ("255.255.255.255", "broadcast"), ("240.0.0.1", "reserved"),
        ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("febf::1", "link-local"),
        ("fc00::1", "ULA"), ("fd12:3456::1", "ULA"), ("ff02::1", "multicast"), ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"), ("::ffff:127.0.0.1", "IPv4-mapped loopback"), ("::ffff:7f00:1", "IPv4-mapped loopback"),
        ("::ffff:10.0.0.1", "IPv4-mapped private"), ("::ffff:8.8.8.8", "IPv4-mapped"), ("::127.0.0.1", "IPv4-compatible"),
        ("64:ff9b::a00:1", "NAT64 of private"), ("2002:a00:1::1", "6to4 of private"), ("2001::1", "IETF"),
        ("100::1", "discard"), ("fec0::1", "site-local"), ("4000::1", "not global unicast"),
        ("0:0:0:0:0:0:0:1", "loopback"), ("FE80::1", "link-local"),
    ])
    func refused(address: String, range: String) {
        let why = AddressPolicy.publicOnly.refusal(address)
        #expect(why?.contains(range) == true, "\(address): \(why ?? "allowed")")
        #expect(AddressPolicy.any.refusal(address) == nil)
    }

    @Test("public unicast addresses are allowed", arguments: [
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
        "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001:81b::200e", "2001:4860:4860::8888",
        "64:ff9b::808:808", "2002:808:808::1",
    ])
    func allowed(address: String) {
        #expect(AddressPolicy.publicOnly.refusal(address) == nil, "\(address): \(AddressPolicy.publicOnly.refusal(address) ?? "")")
    }

    @Test("text that is not an address is refused", arguments: [
        "", "localhost", "127.1", "127.0.0.01", "1.2.3.4.5", "256.1.1.1", "1:2:3:4:5:6:7:8:9", "::1::", "fe80::1%eth0",
        "12345::1", ":::", "1.2.3.4:25",
    ])
    func malformed(text: String) {
        #expect(AddressPolicy.publicOnly.refusal(text) == "not an IP address")
    }

    @Test("partition keeps the order and names each refusal")
    func partition() {
        let (allowed, refused) = AddressPolicy.publicOnly.partition(["8.8.8.8", "10.1.2.3", "2001:4860::1", "::1"])
        #expect(allowed == ["8.8.8.8", "2001:4860::1"])
        #expect(refused.map(\.address) == ["10.1.2.3", "::1"])
    }
}
