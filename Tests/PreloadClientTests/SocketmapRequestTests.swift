import PreloadCore
import PreloadSocketmap
import Testing

@Suite struct SocketmapRequestTests {
    @Test(arguments: [
        ("example.com", "example.com"),
        ("EXAMPLE.com", "example.com"),
        ("example.com.", "example.com"),
        ("[example.com]", "example.com"),
        ("[Example.COM]:587", "example.com"),
        ("example.com:25", "example.com"),
        ("[mail.example.com.]:25", "mail.example.com"),
    ])
    func domainKeys(raw: String, want: String) throws {
        #expect(SocketmapKey(normalizing: raw) == .domain(try DomainName(want)))
    }

    @Test(arguments: [
        "[192.0.2.1]", "[192.0.2.1]:25", "192.0.2.1", "192.0.2.1:25", "[ipv6:2001:db8::1]", "[IPv6:2001:db8::1]:25",
        "2001:db8::1", "::1", ".example.com", ".com", "localhost", "[example.com", "[example.com]x", "[example.com]:",
        "example.com:", "example.com:port", "example.com:123456", "ex ample.com", "exämple.com", "a..b", "",
    ])
    func keysWithoutPolicy(raw: String) {
        guard case .noPolicy = SocketmapKey(normalizing: raw) else {
            Issue.record("'\(raw)' should have no policy")
            return
        }
    }

    @Test func requestShape() throws {
        let r = try #require(SocketmapRequest(payload: "postfix [example.com]:587"))
        #expect(r.mapName == "postfix")
        #expect(r.rawKey == "[example.com]:587")
        #expect(r.key == .domain(try DomainName("example.com")))
        for bad in ["postfix", "postfix ", " example.com", ""] {
            #expect(SocketmapRequest(payload: bad) == nil, "\(bad)")
        }
    }

    @Test func listenAddresses() {
        #expect(ListenAddress("127.0.0.1:8461") == .tcp(host: "127.0.0.1", port: 8461))
        #expect(ListenAddress("[::1]:0") == .tcp(host: "::1", port: 0))
        #expect(ListenAddress("unix:/run/preload.sock") == .unix(path: "/run/preload.sock"))
        for bad in ["127.0.0.1", "127.0.0.1:", ":25", "host:70000", "::1:25", "unix:", "[::1]25"] {
            #expect(ListenAddress(bad) == nil, "\(bad)")
        }
    }
}
