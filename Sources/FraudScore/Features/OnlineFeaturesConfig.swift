/// Online features (`--feature-store`, `--on-store-error`): the service computes the handbook's
/// windowed features from raw transactions instead of reading them from requests.
public struct OnlineFeaturesConfig: Sendable {
    /// `memory`: the embedded store; `redis://host:port/db`: shared by replicas.
    public var store: String
    public var onStoreError: StoreErrorPolicy = .reject
    /// Redis: ms a reply may take before what is in flight fails and the connection is made again.
    public var timeoutMs = 500
    /// Redis: operations waiting for the store's thread; beyond, requests fail at once (503).
    public var maxPending = 10_000
    /// Memory store: a history file (CSV or JSON lines, with labels) recorded before the port opens.
    public var history: String?

    public init(store: String, onStoreError: StoreErrorPolicy = .reject) {
        self.store = store
        self.onStoreError = onStoreError
    }

    /// The store the setting names, or why it cannot be used.
    func makeStore() throws(FeatureStoreError) -> any FeatureStore {
        if store == "memory" {
            let memory = MemoryFeatureStore()
            if let history { _ = memory.load(try FeatureBackfill.read(history)) }
            return memory
        }
        guard history == nil else {
            throw FeatureStoreError(reason: "--feature-history fills the memory store; a Redis store is filled once, "
                                    + "for every replica, by: fraudscore features backfill --input FILE --store \(store)")
        }
        guard store.hasPrefix("redis://") else {
            throw FeatureStoreError(reason: "--feature-store must be memory or redis://host:port/db, got \(store)")
        }
        return try RedisFeatureStore(address: try RedisAddress(parsing: store), timeoutMs: timeoutMs, maxPending: maxPending)
    }
}

/// The online features of a running app: its store, the policy when the store fails, and metrics.
public final class OnlineFeaturesService: Sendable {
    let store: any FeatureStore
    let policy: StoreErrorPolicy
    let metrics = FeatureMetrics()

    init(store: any FeatureStore, policy: StoreErrorPolicy) {
        self.store = store
        self.policy = policy
    }
}
