import Support
import Synchronization

/// The online features' part of `/metrics`.
final class FeatureMetrics: Sendable {
    private let outOfOrderCount = Atomic<Int>(0)
    private let storeErrors = Atomic<Int>(0)
    private let labels = Mutex<[String: Int]>([:])

    func outOfOrder() { outOfOrderCount.add(1, ordering: .relaxed) }
    func storeError() { storeErrors.add(1, ordering: .relaxed) }
    func label(_ outcome: String, count: Int = 1) { labels.withLock { $0[outcome, default: 0] += count } }

    func render(store: any FeatureStore, into out: inout String) {
        PrometheusText.family("fraudscore_features_out_of_order_total", type: "counter",
                              help: "Transactions older than what the feature store held for their customer or terminal, scored against the history as it was.",
                              samples: [("", outOfOrderCount.load(ordering: .relaxed))], into: &out)
        PrometheusText.family("fraudscore_features_store_errors_total", type: "counter",
                              help: "Requests the feature store could not answer (refused with 503, or scored without history by --on-store-error).",
                              samples: [("", storeErrors.load(ordering: .relaxed))], into: &out)
        let l = labels.withLock { $0 }
        PrometheusText.family("fraudscore_feedback_labels_total", type: "counter",
                              help: "Labels posted to /feedback, by outcome (recorded, unknown: not held or expired, refused: store unavailable).",
                              samples: ["recorded", "unknown", "refused"].map { ("{outcome=\"\($0)\"}", l[$0] ?? 0) }, into: &out)
        PrometheusText.family("fraudscore_features_store_up", type: "gauge",
                              help: "1 while the feature store answers.",
                              samples: [("", store.unavailableReason == nil ? 1 : 0)], into: &out)
        if let c = store.counts {
            PrometheusText.family("fraudscore_features_entities", type: "gauge",
                                  help: "Customers and terminals with history in the in-memory feature store.",
                                  samples: [("{kind=\"customer\"}", c.customers), ("{kind=\"terminal\"}", c.terminals)], into: &out)
            PrometheusText.family("fraudscore_features_transactions", type: "gauge",
                                  help: "Transactions held in the in-memory feature store (labels can still reach them).",
                                  samples: [("", c.transactions)], into: &out)
        }
    }
}
