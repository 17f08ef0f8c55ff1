import ArgumentParser
import FraudScore

/// `--feature-store*` and `--on-store-error` of `serve`.
struct FeatureStoreOptions: ParsableArguments {
    @Option(help: "Compute the Fraud Detection Handbook's windowed features (customer counts and average amounts over 1/7/30 days, terminal counts and fraud risk over 1/7/30 days after a 7-day label delay) in the service from each transaction's tx_datetime, customer_id, terminal_id and tx_amount, and record it: memory (this process), or redis://[[user]:password@]host:port/db (shared by replicas). Labels come in by POST /feedback.")
    var featureStore: String?
    @Option(help: "When the feature store cannot answer: reject (503 with the reason) or score-without-history (the transaction scored as if its customer and terminal had no history, answered with features_degraded: true).")
    var onStoreError = "reject"
    @Option(help: "Limit: ms a Redis feature store may take to reply; beyond, the requests waiting fail (503) and the connection is made again.")
    var featureStoreTimeoutMs = 500
    @Option(help: "Limit: operations waiting for the Redis feature store; beyond, requests fail at once (503).")
    var featureStoreMaxPending = 10_000
    @Option(help: "Memory store: past transactions with labels (CSV or JSON lines, as fraudscore features backfill reads) recorded before the port opens, so the first live transaction has its windows.")
    var featureHistory: String?

    var problems: [String] {
        var out: [String] = []
        if let featureStore, featureStore != "memory", !featureStore.hasPrefix("redis://") {
            out.append("--feature-store must be memory or redis://host:port/db, got \(featureStore)")
        }
        if StoreErrorPolicy(rawValue: onStoreError) == nil {
            out.append("--on-store-error must be reject or score-without-history, got \(onStoreError)")
        }
        if !(1...60_000).contains(featureStoreTimeoutMs) {
            out.append("--feature-store-timeout-ms must be 1 to 60000, got \(featureStoreTimeoutMs)")
        }
        if !(1...1_000_000).contains(featureStoreMaxPending) {
            out.append("--feature-store-max-pending must be 1 to 1000000, got \(featureStoreMaxPending)")
        }
        return out
    }

    var config: OnlineFeaturesConfig? {
        featureStore.map {
            var c = OnlineFeaturesConfig(store: $0, onStoreError: StoreErrorPolicy(rawValue: onStoreError) ?? .reject)
            c.timeoutMs = featureStoreTimeoutMs
            c.maxPending = featureStoreMaxPending
            c.history = featureHistory
            return c
        }
    }
}
