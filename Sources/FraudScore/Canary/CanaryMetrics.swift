import Support

extension CanaryRouter {
    /// The canary's part of `/metrics`.
    func render(into out: inout String) {
        let s = snapshot
        if let info = s.model?.loaded.info {
            out += "# HELP fraudscore_canary_model_info The canary model (value 1), described by its labels.\n"
                + "# TYPE fraudscore_canary_model_info gauge\n"
                + "fraudscore_canary_model_info{name=\"\(PrometheusText.escape(info.name))\","
                + "version=\"\(PrometheusText.escape(info.version))\",sha256=\"\(info.sha256)\"} 1\n"
        }
        PrometheusText.family("fraudscore_canary_live", type: "gauge",
                              help: "1 while the canary answers its share of customers; 0 before it loads or after a rollback.",
                              samples: [("", s.model != nil && s.rollback == nil ? 1 : 0)], into: &out)
        PrometheusText.family("fraudscore_canary_requests_total", type: "counter",
                              help: "Requests answered while a canary was live, by the arm that answered.",
                              samples: [Arm.served, .canary].map { ("{arm=\"\($0.rawValue)\"}", s.answered[$0] ?? 0) },
                              into: &out)
        PrometheusText.family("fraudscore_canary_rollbacks_total", type: "counter",
                              help: "Canaries rolled back automatically, by reason.",
                              samples: Rollback.Reason.allCases.map { ("{reason=\"\($0.rawValue)\"}", s.rollbacks[$0] ?? 0) },
                              into: &out)
        PrometheusText.family("fraudscore_canary_window", type: "gauge",
                              help: "Over the sliding window of each arm: error rate, and the canary's score PSI against the served model.",
                              samples: [("{arm=\"served\",stat=\"error_rate\"}", s.served.errorRate),
                                        ("{arm=\"canary\",stat=\"error_rate\"}", s.canary.errorRate),
                                        ("{arm=\"canary\",stat=\"psi\"}", s.psi)], into: &out)
    }
}
