import HTTPServer
import ModelStore
import Support
#if canImport(Glibc)
import Glibc
#endif

/// `GET /metrics`: Prometheus text exposition of the HTTP server, the model and the process.
struct MetricsHandler: Sendable {
    let app: FraudScoreApp
    let http: HTTPMetrics

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        var out = ""
        http.render(into: &out)
        let c = app.metrics.total()
        PrometheusText.family("fraudscore_predictions_total", type: "counter", help: "Transactions scored, by decision.",
                                 samples: [("{decision=\"fraud\"}", c.fraud), ("{decision=\"legitimate\"}", c.legitimate)],
                                 into: &out)
        PrometheusText.family("fraudscore_predict_rejected_total", type: "counter",
                                 help: "/predict requests refused before scoring, by status.",
                                 samples: c.rejected.keys.sorted().map { ("{status=\"\($0)\"}", c.rejected[$0]!) }, into: &out)
        let scored = c.fraud + c.legitimate
        out += "# HELP fraudscore_scoring_duration_seconds Model evaluation time per transaction.\n"
        out += "# TYPE fraudscore_scoring_duration_seconds histogram\n"
        PrometheusText.histogram("fraudscore_scoring_duration_seconds", labels: "", bounds: HTTPMetrics.buckets, counts: c.scoringBuckets,
                                    sum: c.scoringSum, count: scored, into: &out)
        if let info = app.currentModelInfo {
            out += "# HELP fraudscore_model_info The model being served (value 1), described by its labels.\n"
            out += "# TYPE fraudscore_model_info gauge\n"
            out += "fraudscore_model_info{name=\"\(PrometheusText.escape(info.name))\",version=\"\(PrometheusText.escape(info.version))\","
                + "format=\"\(info.format.rawValue)\",sha256=\"\(info.sha256)\""
                + (info.registered.map {
                    ",registered_model=\"\(PrometheusText.escape($0.name))\",registered_version=\"\($0.version)\","
                        + "run_id=\"\(PrometheusText.escape($0.runID ?? ""))\""
                } ?? "") + "} 1\n"
        }
        let loads = app.modelLoads()
        PrometheusText.family("fraudscore_model_loads_total", type: "counter", help: "Model loads, by result.",
                                 samples: [("{result=\"success\"}", loads.success), ("{result=\"failure\"}", loads.failure)],
                                 into: &out)
        if let manager = app.modelManager { renderModelStore(manager.status(), into: &out) }
        app.canary?.render(into: &out)
        if let features = app.features { features.metrics.render(store: features.store, into: &out) }
        if let shadow = app.shadow {
            if let info = shadow.currentModel?.loaded.info {
                out += "# HELP fraudscore_shadow_model_info The shadow model (value 1), described by its labels.\n"
                out += "# TYPE fraudscore_shadow_model_info gauge\n"
                out += "fraudscore_shadow_model_info{name=\"\(PrometheusText.escape(info.name))\","
                    + "version=\"\(PrometheusText.escape(info.version))\",sha256=\"\(info.sha256)\"} 1\n"
            }
            shadow.metrics.render(into: &out)
        }
        ProcessMetrics.render(into: &out)
        return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(out.utf8))
    }

    private func renderModelStore(_ s: ModelStoreStatus, into out: inout String) {
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
            PrometheusText.family(name, type: type, help: help, samples: samples.map { ($0.0, $0.1) }, into: &out)
        }
        metric("fraudscore_model_polls_total", "counter", "Polls of the model repository, by result.",
               [("{result=\"ok\"}", s.polls), ("{result=\"error\"}", s.pollErrors)])
        metric("fraudscore_model_storage_errors_total", "counter", "Failed polls and downloads, by reason.",
               StorageError.Reason.allCases.map { ("{reason=\"\($0.rawValue)\"}", s.pollErrorsByReason[$0] ?? 0) })
        metric("fraudscore_model_storage_consecutive_errors", "gauge",
               "Storage errors since the last good poll (0 = storage is fine).", [("", s.consecutivePollErrors)])
        metric("fraudscore_model_swaps_total", "counter", "Times the serving model changed (loads, pins, rollbacks).",
               [("", s.swaps)])
        metric("fraudscore_model_rollbacks_total", "counter", "Rollbacks through the admin API.", [("", s.rollbacks)])
        metric("fraudscore_model_rejections_total", "counter",
               "Model versions refused by the validation gate, by reason; the current version kept serving.",
               CandidateError.Reason.allCases.map { ("{reason=\"\($0.rawValue)\"}", s.rejections[$0] ?? 0) })
        metric("fraudscore_model_serving_version", "gauge", "Repository version number serving now (0 = none).",
               [("", s.current?.version ?? 0)])
        metric("fraudscore_model_available_version", "gauge", "Highest complete version in the repository at the last poll.",
               [("", s.available.last ?? 0)])
        if let at = s.lastSwapAt {
            metric("fraudscore_model_last_swap_timestamp_seconds", "gauge", "Unix time of the last model swap.", [("", at.seconds)])
        }
        metric("fraudscore_model_gate_decisions_total", "counter",
               "Promotion gate comparisons on the labeled rows, by decision.",
               [("{decision=\"accepted\"}", s.gateAccepted), ("{decision=\"refused\"}", s.gateRefused)])
        if let e = s.lastEvidence {
            let metricLabel = "metric=\"\(e.metric)\""
            PrometheusText.family("fraudscore_model_gate_score", type: "gauge",
                                  help: "The last promotion gate comparison: each model's metric on the labeled rows.",
                                  samples: [("{\(metricLabel),model=\"serving\"}", e.serving),
                                            ("{\(metricLabel),model=\"candidate\"}", e.candidate)], into: &out)
            PrometheusText.family("fraudscore_model_gate_delta", type: "gauge",
                                  help: "The last promotion gate comparison: bounds of candidate - serving over the bootstrap resamples.",
                                  samples: [("{\(metricLabel),bound=\"low\"}", e.deltaLow),
                                            ("{\(metricLabel),bound=\"high\"}", e.deltaHigh)], into: &out)
        }
    }
}

/// The standard process_* metrics, read from /proc.
enum ProcessMetrics {
    static func render(into out: inout String) {
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        if let statm = read("/proc/self/statm")?.split(separator: " "), statm.count > 1, let pages = Double(statm[1]) {
            out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            out += "# TYPE process_resident_memory_bytes gauge\n"
            out += "process_resident_memory_bytes \(Int(pages * pageSize))\n"
        }
        // /proc/self/stat: fields after the ")" that closes the command name; utime is 14th, stime 15th,
        // starttime 22nd (1-based over the whole line).
        if let stat = read("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            let f = stat[stat.index(after: close)...].split(separator: " ")
            if f.count > 19, let user = Double(f[11]), let system = Double(f[12]), let start = Double(f[19]),
               let uptime = read("/proc/uptime")?.split(separator: " ").first.flatMap({ Double($0) }) {
                out += "# HELP process_cpu_seconds_total Total user and system CPU time in seconds.\n"
                out += "# TYPE process_cpu_seconds_total counter\n"
                out += "process_cpu_seconds_total \((user + system) / ticks)\n"
                let bootTime = Double(Clock.wallTime().seconds) - uptime
                out += "# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.\n"
                out += "# TYPE process_start_time_seconds gauge\n"
                out += "process_start_time_seconds \(Int(bootTime + start / ticks))\n"
            }
        }
        let fds = Sys.listNames("/proc/self/fd").count
        if fds > 0 {
            out += "# HELP process_open_fds Number of open file descriptors.\n"
            out += "# TYPE process_open_fds gauge\n"
            out += "process_open_fds \(fds - 1)\n"  // minus the listing's own descriptor
        }
    }

    /// The first 4 KiB of a /proc file, without trailing blanks; nil when it cannot be read.
    private static func read(_ path: String) -> String? {
        guard let fd = try? Sys.open(path, O_RDONLY) else { return nil }
        defer { Sys.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { (try? Sys.read(fd, into: $0)) ?? 0 }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimming(" \n")
    }
}
