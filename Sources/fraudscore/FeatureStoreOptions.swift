import ArgumentParser
import FraudScore

/// `--feature-store` and `--on-store-error` of `serve`.
struct FeatureStoreOptions: ParsableArguments {
    @Option(help: "Compute the Fraud Detection Handbook's windowed features (customer counts and average amounts over 1/7/30 days, terminal counts and fraud risk over 1/7/30 days after a 7-day label delay) in the service from each transaction's tx_datetime, customer_id, terminal_id and tx_amount, and record it: memory (this process). Labels come in by POST /feedback.")
    var featureStore: String?
    @Option(help: "When the feature store cannot answer: reject (503 with the reason) or score-without-history (the transaction scored as if its customer and terminal had no history, answered with features_degraded: true).")
    var onStoreError = "reject"

    var problems: [String] {
        var out: [String] = []
        if let featureStore, featureStore != "memory" {
            out.append("--feature-store must be memory, got \(featureStore)")
        }
        if StoreErrorPolicy(rawValue: onStoreError) == nil {
            out.append("--on-store-error must be reject or score-without-history, got \(onStoreError)")
        }
        return out
    }

    var config: OnlineFeaturesConfig? {
        featureStore.map { OnlineFeaturesConfig(store: $0, onStoreError: StoreErrorPolicy(rawValue: onStoreError) ?? .reject) }
    }
}
