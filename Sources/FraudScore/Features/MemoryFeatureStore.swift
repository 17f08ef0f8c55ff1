/// The embedded store: the history in this process's memory (`OnlineFeatures`, sharded behind
/// locks held for the microsecond a window takes). Answers in the call.
final class MemoryFeatureStore: FeatureStore {
    private let state = OnlineFeatures()

    let name = "memory"
    var unavailableReason: String? { nil }
    var counts: OnlineFeatures.Counts? { state.counts }

    func record(_ transactions: [OnlineFeatures.Transaction],
                then answer: @escaping @Sendable (Result<[OnlineFeatures.Computed], FeatureStoreError>) -> Void) {
        let computed = transactions.map { state.record($0) }
        answer(.success(computed))
    }

    /// A history file recorded before the port opens (`--feature-history`).
    func load(_ rows: [HistoryFile.Row]) -> FeatureBackfill.Report {
        FeatureBackfill.load(rows, into: state) { _ in }
    }

    func label(_ labels: [FeedbackLabel],
               then answer: @escaping @Sendable (Result<[OnlineFeatures.LabelOutcome], FeatureStoreError>) -> Void) {
        let outcomes = labels.map { state.label($0.transactionID, fraud: $0.fraud) }
        answer(.success(outcomes))
    }
}
