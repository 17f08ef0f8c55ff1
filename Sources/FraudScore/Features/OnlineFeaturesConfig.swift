/// Online features (`--feature-store`, `--on-store-error`): the service computes the handbook's
/// windowed features from raw transactions instead of reading them from requests.
public struct OnlineFeaturesConfig: Sendable {
    /// `memory`: the embedded store.
    public var store: String
    public var onStoreError: StoreErrorPolicy = .reject

    public init(store: String, onStoreError: StoreErrorPolicy = .reject) {
        self.store = store
        self.onStoreError = onStoreError
    }

    /// The store the setting names, or why it cannot be used.
    func makeStore() throws(FeatureStoreError) -> any FeatureStore {
        switch store {
        case "memory": return MemoryFeatureStore()
        default:
            throw FeatureStoreError(reason: "--feature-store must be memory, got \(store)")
        }
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
