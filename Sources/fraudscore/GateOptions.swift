import ArgumentParser
import FraudScore

/// How the promotion gate compares two models; shared by `serve` and `compare-models`.
struct GateOptions: ParsableArguments {
    @Option(help: "Promotion gate: the member of each labeled row holding its label (1/0 or true/false).")
    var gateLabel = "tx_fraud"
    @Option(help: "Promotion gate: roc_auc or average_precision.")
    var gateMetric = "roc_auc"
    @Option(help: "Promotion gate: bootstrap resamples (100 to 100000).")
    var gateResamples = 1_000
    @Option(help: "Promotion gate: a version is refused when it is worse with confidence 1 - alpha (0 < alpha <= 0.5).")
    var gateAlpha = 0.05
    @Option(help: "Promotion gate: the bootstrap's seed; the same seed gives the same decision.")
    var gateSeed: UInt64 = 0

    /// What is wrong with the settings, one message each.
    var problems: [String] {
        var out: [String] = []
        if RankingMetric(rawValue: gateMetric) == nil { out.append("--gate-metric must be roc_auc or average_precision, got \(gateMetric)") }
        if !(100...100_000).contains(gateResamples) { out.append("--gate-resamples must be 100 to 100000, got \(gateResamples)") }
        if !(gateAlpha > 0 && gateAlpha <= 0.5) { out.append("--gate-alpha must be > 0 and <= 0.5, got \(gateAlpha)") }
        return out
    }

    func config(rows: String?) -> PromotionGateConfig {
        var c = PromotionGateConfig()
        c.rowsPath = rows
        c.labelKey = gateLabel
        c.metric = RankingMetric(rawValue: gateMetric) ?? .rocAUC
        c.resamples = gateResamples
        c.alpha = gateAlpha
        c.seed = gateSeed
        return c
    }
}
