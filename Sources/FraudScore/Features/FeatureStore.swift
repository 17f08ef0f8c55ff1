/// Where the online features' history lives: in this process (`MemoryFeatureStore`), or in a
/// server several replicas share. Answers come through callbacks, now or later and on any thread,
/// so a store that waits on the network never blocks an event loop.
protocol FeatureStore: AnyObject, Sendable {
    /// `memory`, or the store's address without credentials: for /health and logs.
    var name: String { get }

    /// Records the transactions, in the given order, and answers with their features.
    func record(_ transactions: [OnlineFeatures.Transaction],
                then answer: @escaping @Sendable (Result<[OnlineFeatures.Computed], FeatureStoreError>) -> Void)

    /// Records labels (idempotent); per label, whether its transaction is held.
    func label(_ labels: [FeedbackLabel],
               then answer: @escaping @Sendable (Result<[OnlineFeatures.LabelOutcome], FeatureStoreError>) -> Void)

    /// Why the store cannot serve now (readiness reports it), or nil.
    var unavailableReason: String? { get }

    /// What it holds, when it knows cheaply.
    var counts: OnlineFeatures.Counts? { get }

    /// The thread the store needs, if any: started with the service, before its port opens.
    var workerThread: (name: String, body: @Sendable () -> Void)? { get }

    /// Ends the worker thread once what is queued is answered (after the server drained).
    func stop()
}

extension FeatureStore {
    var workerThread: (name: String, body: @Sendable () -> Void)? { nil }
    func stop() {}
}

/// A label for a recorded transaction (`POST /feedback`).
struct FeedbackLabel: Sendable, Equatable {
    var transactionID: Int64
    var fraud: Bool
}

/// The store could not answer: the request is refused with 503 and this reason (or scored without
/// history, by `--on-store-error`).
public struct FeatureStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// What to do with a transaction when the feature store cannot answer (`--on-store-error`).
public enum StoreErrorPolicy: String, Sendable, CaseIterable {
    /// 503 with the reason: the client retries or falls back, and no score rests on missing history.
    case reject
    /// Score with the features of a customer and terminal without history (the transaction alone),
    /// and say so in the response (`"features_degraded": true`).
    case scoreWithoutHistory = "score-without-history"
}
