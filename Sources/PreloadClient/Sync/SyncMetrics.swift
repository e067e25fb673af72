import PreloadCore

/// What `preload sync --metrics-file PATH` writes: a Prometheus text-format file for node_exporter's
/// textfile collector, describing the last run and the list in use.
///
/// ```
/// preload_sync_last_run_timestamp_seconds        when this run ended
/// preload_sync_last_run_result{result="…"}       1 for the run's result, 0 for the others (closed set)
/// preload_sync_last_success_timestamp_seconds    the last run that fetched and verified a list (0: never)
/// preload_sync_list_serial                       the installed list's serial
/// preload_sync_list_generated_timestamp_seconds  when it was generated
/// preload_sync_list_age_seconds                  its age at the run
/// preload_sync_list_expiry_timestamp_seconds     when it expires (its entries stop applying)
/// preload_sync_list_expired                      1 when it has expired at the run
/// preload_sync_list_domains                      how many domains it has
/// ```
///
/// The `preload_sync_list_*` series are absent while no list is installed. Alert on
/// `time() - preload_sync_last_success_timestamp_seconds` and `preload_sync_list_expiry_timestamp_seconds - time()`:
/// timestamps stay true between runs, ages do not.
public struct SyncMetrics: Sendable {
    /// How a run ended, as the `result` label says it.
    public enum Result: String, CaseIterable, Sendable {
        /// A newer list was installed.
        case updated
        /// The source had the installed list.
        case unchanged
        /// The source's list (or its commit) did not verify.
        case refused
        /// The source could not be reached.
        case unreachable
        /// The run failed on its own side (state directory or table not written).
        case failed
    }

    /// When the run ended.
    public var time: Timestamp
    /// How it ended.
    public var result: Result
    /// The last run that fetched and verified a list, if any.
    public var lastSuccess: Timestamp?
    /// The list in use after the run, if any.
    public var installed: ListIndex?

    /// Metrics for a run.
    public init(time: Timestamp, result: Result, lastSuccess: Timestamp?, installed: ListIndex?) {
        self.time = time
        self.result = result
        self.lastSuccess = lastSuccess
        self.installed = installed
    }

    /// The result of a sync report.
    public init(report: SyncReport, lastSuccess: Timestamp?) {
        let result: Result
        switch report.result {
        case .updated: result = .updated
        case .unchanged: result = .unchanged
        case .refused: result = .refused
        case .unreachable: result = .unreachable
        }
        self.init(time: report.time, result: result, lastSuccess: lastSuccess, installed: report.installed)
    }

    /// The Prometheus text exposition (version 0.0.4), ending with a newline.
    public var text: String {
        var out = ""
        func metric(_ name: String, _ help: String, _ samples: [(labels: String, value: Int64)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(value)\n" }
        }
        metric("preload_sync_last_run_timestamp_seconds", "When the last preload sync run ended (Unix time).",
               [("", time.secondsSince1970)])
        metric("preload_sync_last_run_result", "How the last preload sync run ended: 1 for its result, 0 for the others.",
               Result.allCases.map { ("{result=\"\($0.rawValue)\"}", $0 == result ? 1 : 0) })
        metric("preload_sync_last_success_timestamp_seconds",
               "When a preload sync run last fetched and verified a list (Unix time; 0 if never).",
               [("", lastSuccess?.secondsSince1970 ?? 0)])
        if let list = installed {
            metric("preload_sync_list_serial", "Serial of the installed preload list.", [("", Int64(list.serial))])
            metric("preload_sync_list_generated_timestamp_seconds", "When the installed preload list was generated (Unix time).",
                   [("", list.generated.secondsSince1970)])
            metric("preload_sync_list_age_seconds", "Age of the installed preload list at the last run.",
                   [("", time.secondsSince1970 - list.generated.secondsSince1970)])
            metric("preload_sync_list_expiry_timestamp_seconds",
                   "When the installed preload list expires and its entries stop applying (Unix time).",
                   [("", list.expires.secondsSince1970)])
            metric("preload_sync_list_expired", "1 when the installed preload list had expired at the last run.",
                   [("", list.isExpired(at: time) ? 1 : 0)])
            metric("preload_sync_list_domains", "Domains in the installed preload list.", [("", Int64(list.count))])
        }
        return out
    }
}
