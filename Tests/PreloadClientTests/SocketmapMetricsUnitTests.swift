import PreloadClient
import PreloadCore
import PreloadSocketmap
import PreloadTesting
import Testing

/// The list gauges and the counters of answers reused within their epoch, without a network.
@Suite struct SocketmapMetricsUnitTests {
    @Test func listGaugesFollowTheInstalledList() throws {
        let exporter = PrometheusExporter()
        let now = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        let index = try fakeVerify(Array("7:a.example,b.example".utf8), "signed")
        exporter.metrics.record(list: index)
        let text = Exposition(String(decoding: exporter.render(), as: UTF8.self))
        #expect(text["preload_list_serial"] == 7)
        #expect(text["preload_list_expiry_timestamp_seconds"] == Double(now.adding(days: 14).secondsSince1970))
        #expect(text["preload_list_domains"] == 2)
        exporter.metrics.record(list: nil)
        #expect(Exposition(String(decoding: exporter.render(), as: UTF8.self))["preload_list_serial"] == 0)
    }
}
