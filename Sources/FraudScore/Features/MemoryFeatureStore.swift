import Synchronization

/// The embedded store: the history in this process's memory, behind one lock held for the few
/// microseconds a transaction's windows take. Answers in the call.
final class MemoryFeatureStore: FeatureStore {
    private let state = Mutex(OnlineFeatures())

    let name = "memory"
    var unavailableReason: String? { nil }
    var counts: OnlineFeatures.Counts? { state.withLock { $0.counts } }

    func record(_ transactions: [OnlineFeatures.Transaction],
                then answer: @escaping @Sendable (Result<[OnlineFeatures.Computed], FeatureStoreError>) -> Void) {
        let computed = state.withLock { store in transactions.map { store.record($0) } }
        answer(.success(computed))
    }

    /// One transaction, without the array: what `/predict` calls for a single transaction.
    func record(_ transaction: OnlineFeatures.Transaction) -> OnlineFeatures.Computed {
        state.withLock { $0.record(transaction) }
    }

    func label(_ labels: [FeedbackLabel],
               then answer: @escaping @Sendable (Result<[OnlineFeatures.LabelOutcome], FeatureStoreError>) -> Void) {
        let outcomes = state.withLock { store in labels.map { store.label($0.transactionID, fraud: $0.fraud) } }
        answer(.success(outcomes))
    }
}
