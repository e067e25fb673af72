import PreloadClient
import PreloadCore
import Testing

/// The text `preload sync --metrics-file` writes: Prometheus text format, `preload_sync_` names in base
/// units, one gauge per line with its HELP and TYPE, a closed label set for the result.
@Suite("Sync metrics text") struct SyncMetricsTextTests {
    let t = Timestamp(rfc3339: "2026-03-02T00:00:00Z")!

    func list() throws -> ListIndex {
        let g = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!
        let entry = ListEntry(domain: try DomainName("a.example"), policy: .patterns(mode: .enforce, mx: [try MXPattern("mx.a.example")]),
                              provenance: Provenance(method: .manual, added: g, verified: g))
        return ListIndex(checkedList: PreloadList(serial: 42, generated: g, expires: g.adding(days: 14), publisher: "p", entries: [entry]))
    }

    @Test func aRunWithAnInstalledList() throws {
        let text = SyncMetrics(time: t, result: .unchanged, lastSuccess: t.adding(seconds: -60), installed: try list()).text
        #expect(text == """
            # HELP preload_sync_last_run_timestamp_seconds When the last preload sync run ended (Unix time).
            # TYPE preload_sync_last_run_timestamp_seconds gauge
            preload_sync_last_run_timestamp_seconds 1772409600
            # HELP preload_sync_last_run_result How the last preload sync run ended: 1 for its result, 0 for the others.
            # TYPE preload_sync_last_run_result gauge
            preload_sync_last_run_result{result="updated"} 0
            preload_sync_last_run_result{result="unchanged"} 1
            preload_sync_last_run_result{result="refused"} 0
            preload_sync_last_run_result{result="unreachable"} 0
            preload_sync_last_run_result{result="failed"} 0
            # HELP preload_sync_last_success_timestamp_seconds When a preload sync run last fetched and verified a list (Unix time; 0 if never).
            # TYPE preload_sync_last_success_timestamp_seconds gauge
            preload_sync_last_success_timestamp_seconds 1772409540
            # HELP preload_sync_list_serial Serial of the installed preload list.
            # TYPE preload_sync_list_serial gauge
            preload_sync_list_serial 42
            # HELP preload_sync_list_generated_timestamp_seconds When the installed preload list was generated (Unix time).
            # TYPE preload_sync_list_generated_timestamp_seconds gauge
            preload_sync_list_generated_timestamp_seconds 1772323200
            # HELP preload_sync_list_age_seconds Age of the installed preload list at the last run.
            # TYPE preload_sync_list_age_seconds gauge
            preload_sync_list_age_seconds 86400
            # HELP preload_sync_list_expiry_timestamp_seconds When the installed preload list expires and its entries stop applying (Unix time).
            # TYPE preload_sync_list_expiry_timestamp_seconds gauge
            preload_sync_list_expiry_timestamp_seconds 1773532800
            # HELP preload_sync_list_expired 1 when the installed preload list had expired at the last run.
            # TYPE preload_sync_list_expired gauge
            preload_sync_list_expired 0
            # HELP preload_sync_list_domains Domains in the installed preload list.
            # TYPE preload_sync_list_domains gauge
            preload_sync_list_domains 1

            """)
    }

    @Test func aFirstRunThatFoundNothing() {
        let text = SyncMetrics(time: t, result: .unreachable, lastSuccess: nil, installed: nil).text
        #expect(text.contains("preload_sync_last_run_result{result=\"unreachable\"} 1\n"))
        #expect(text.contains("preload_sync_last_success_timestamp_seconds 0\n"))
        #expect(!text.contains("preload_sync_list_"))
        // Every sample line belongs to a metric declared just before it, and every name is preload_sync_*.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") { #expect(line.hasPrefix("preload_sync_")) }
    }
}
