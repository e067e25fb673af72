import Foundation
import PreloadClient
import PreloadCore
import PreloadSocketmap
import PreloadTesting
import Testing

/// Hostile and broken clients: each test failed against the daemon before its fix.
@Suite(.serialized) struct SocketmapFaultTests {
    /// A client that pipelines queries and never reads the replies: the server stops reading from it once
    /// its replies pile up, instead of buffering them without bound (RSS rose by 15 MB/s before).
    @Test(arguments: [true, false])
    func aClientThatNeverReadsCannotGrowTheServer(answersFromMemory: Bool) async throws {
        var resolver = FakeResolver.standard
        resolver.answersFromMemory = answersFromMemory
        // Small kernel buffers on both sides: what the client does not take piles up where it can be seen.
        let server = try await startServer({ $0.sendBufferBytes = 16384 }, resolver: resolver)
        let port = try #require(server.port)
        let limit = 64 << 20
        let client = try await onThread { UncheckedBox(try RawSocketClient(port: port, timeoutSeconds: 5, receiveBuffer: 4096)) }
        let sent = try await onThread { () -> Int in
            // ~70-byte replies to 17-byte requests: 64 MiB of requests would be ~260 MiB of replies.
            var chunk: [UInt8] = []
            for i in 0..<4096 { chunk += Netstring.encode("postfix d\(i % 10).test") }
            // Push for 6 seconds (or 64 MiB), whatever the server does with it. The client's small receive
            // buffer keeps the kernel from absorbing the replies: what is not taken piles up in the server.
            var total = 0
            var offset = 0
            let end = Date().addingTimeInterval(6)
            while total < limit, Date() < end {
                let n = try client.value.sendWithoutWaiting(chunk[offset...])
                if n == 0 {
                    usleep(10_000)
                    continue
                }
                total += n
                offset = (offset + n) % chunk.count
            }
            return total
        }
        let buffered = await server.bufferedOutboundBytes()
        print("client sent \(sent) bytes; the server holds \(buffered) bytes of replies")
        #expect(sent < limit / 4, "the server kept reading: \(sent) bytes sent")
        #expect(buffered < 1 << 20, "replies buffered in the server: \(buffered) bytes")
        // Once the client reads, the replies flow again, in order and correct.
        let replies = try await onThread { try (0..<100).map { _ in try client.value.readReply() } }
        #expect(replies.enumerated().allSatisfy { i, reply in
            reply == "OK secure match=mx\(i % 10).d\(i % 10).test servername=hostname"
        })
        await server.shutdown(gracePeriod: .milliseconds(200))
    }

    /// A client that sends its requests and half-closes its sending side gets every answer, then the close.
    @Test func aHalfClosedClientIsAnsweredThenClosed() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 10)
            try client.send(Netstring.encode("postfix slow.test") + Netstring.encode("postfix enforced.test")
                            + Netstring.encode("postfix testing.test") + Array("19:postfix exa".utf8))
            try client.shutdownWrite()
            return try client.repliesUntilClosed()
        }
        // The partial request after the complete ones can never complete: it is dropped.
        #expect(replies == ["OK secure match=mx.slow.test servername=hostname", enforcedReply, "NOTFOUND "])
        await server.shutdown()
    }

    @Test func aHalfClosedClientWithOneLookupIsAnswered() async throws {
        let server = try await startServer()
        let port = try #require(server.port)
        let replies = try await onThread {
            let client = try RawSocketClient(port: port, timeoutSeconds: 10)
            try client.sendRequest("postfix slow.test")
            try client.shutdownWrite()
            return try client.repliesUntilClosed()
        }
        #expect(replies == ["OK secure match=mx.slow.test servername=hostname"])
        await server.shutdown()
    }

    /// A client that trickles a request byte by byte is cut off once the request deadline passes, although
    /// every byte resets the idle timer.
    @Test func aTricklingClientIsCutOff() async throws {
        let server = try await startServer {
            $0.requestTimeout = .milliseconds(400)
            $0.idleTimeout = .seconds(30)
        }
        let port = try #require(server.port)
        let (sentAll, replies) = try await onThread { () -> (Bool, [String]) in
            let client = try RawSocketClient(port: port, timeoutSeconds: 10)
            var sentAll = true
            for byte in Netstring.encode("postfix enforced.test") {  // 25 bytes, one per 100 ms
                do {
                    try client.send([byte])
                } catch {
                    sentAll = false  // the server closed the connection
                    break
                }
                usleep(100_000)
            }
            // Before the deadline existed, the complete request was answered at once here.
            let reply = try? client.readReply()
            return (sentAll, reply.map { [$0] } ?? [])
        }
        #expect(replies.isEmpty, "a request that took 2.5 s to arrive was answered")
        _ = sentAll  // whether a send failed depends on when the kernel noticed the close; the answer does not
        await server.shutdown()
    }

    /// The deadline is per request: a request split over a few writes, and a slow but steady pipeline of
    /// requests each sent in time, are answered.
    @Test func requestsSplitAcrossWritesWithinTheDeadlineAreAnswered() async throws {
        let server = try await startServer { $0.requestTimeout = .milliseconds(500) }
        let port = try #require(server.port)
        let replies = try await onThread { () -> [String?] in
            let client = try RawSocketClient(port: port, timeoutSeconds: 10)
            var replies: [String?] = []
            for _ in 0..<4 {  // 4 × 300 ms: longer than the deadline in all, each request within it
                let bytes = Netstring.encode("postfix enforced.test")
                try client.send(Array(bytes[..<10]))
                usleep(150_000)
                try client.send(Array(bytes[10...]))
                replies.append(try client.readReply())
                usleep(150_000)
            }
            return replies
        }
        #expect(replies == Array(repeating: enforcedReply, count: 4))
        await server.shutdown()
    }
}
