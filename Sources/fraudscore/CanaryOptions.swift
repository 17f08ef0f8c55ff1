import ArgumentParser
import FraudScore

/// `--canary*` of `serve`.
struct CanaryOptions: ParsableArguments {
    @Option(help: "Canary model (any --model form, e.g. models:/fraud@challenger): answers --canary-percent of customers, chosen by a hash of customer_id (the same on every replica), and is rolled back automatically when it errs or drifts.")
    var canary: String?
    @Option(help: "Share of customers the canary answers, 0 to 100.")
    var canaryPercent = 5.0
    @Option(help: "Requests per arm in the sliding window the canary is judged over.")
    var canaryWindow = 2_000
    @Option(help: "Requests each arm needs in its window before the canary can be rolled back.")
    var canaryMinRequests = 1_000
    @Option(help: "Rollback when the canary's error rate exceeds the served model's by more than this (0 to 1).")
    var canaryMaxErrorRateIncrease = 0.01
    @Option(help: "Rollback when the canary's score distribution drifts from the served model's beyond this population stability index.")
    var canaryMaxPsi = 0.25

    var problems: [String] {
        var out: [String] = []
        if !(0...100).contains(canaryPercent) { out.append("--canary-percent must be 0 to 100, got \(canaryPercent)") }
        if !(10...1_000_000).contains(canaryWindow) { out.append("--canary-window must be 10 to 1000000, got \(canaryWindow)") }
        if canaryMinRequests < 1 || canaryMinRequests > canaryWindow {
            out.append("--canary-min-requests must be 1 to --canary-window (\(canaryWindow)), got \(canaryMinRequests)")
        }
        if !(0...1).contains(canaryMaxErrorRateIncrease) {
            out.append("--canary-max-error-rate-increase must be 0 to 1, got \(canaryMaxErrorRateIncrease)")
        }
        if !(canaryMaxPsi > 0) { out.append("--canary-max-psi must be > 0, got \(canaryMaxPsi)") }
        return out
    }

    var config: CanaryConfig? {
        guard let canary else { return nil }
        var c = CanaryConfig(model: canary)
        c.percent = canaryPercent
        c.window = canaryWindow
        c.minRequests = canaryMinRequests
        c.maxErrorRateIncrease = canaryMaxErrorRateIncrease
        c.maxPSI = canaryMaxPsi
        return c
    }
}
