import Support
/// A snapshot of the model manager for /models, /health and /metrics.
public struct ModelStoreStatus: Sendable {
    /// A version that is or was serving.
    public struct Serving: Sendable {
        public var version: Int
        public var info: ModelInfo
        /// ISO 8601 time it started serving.
        public var activatedAt: Timestamp
    }

    /// The last version considered for serving that did not (yet) serve.
    public struct CandidateRecord: Sendable {
        public enum State: String, Sendable { case loading, rejected }
        public var version: Int
        public var state: State
        public var error: CandidateError?
        public var at: Timestamp
    }

    public var source: String
    public var pollIntervalMs: Int
    public var current: Serving?
    public var previous: Serving?
    public var pinned: Int?
    public var candidate: CandidateRecord?
    /// A new version waiting for this replica's turn in the rollout window, and when it may serve.
    public struct PendingVersion: Sendable {
        public var version: Int
        /// The wall-clock second it may serve, and how long from the poll that saw it waiting.
        public var eligibleAt: Timestamp
        public var inMs: Int
    }
    public var pending: PendingVersion?
    /// This replica's delay within `--rollout-window` (0: none).
    public var rolloutDelayMs = 0
    /// Complete versions found by the last successful poll.
    public var available: [Int] = []
    /// Numbered folders without a manifest (uploads in progress), ignored.
    public var incomplete: [Int] = []
    public var lastPollAt: Timestamp?
    /// Why the last poll failed; nil when it succeeded.
    public var lastPollError: StorageError?
    public var consecutivePollErrors = 0

    public var polls = 0
    public var pollErrors = 0
    /// Storage errors by `StorageError.reason`.
    public var pollErrorsByReason: [StorageError.Reason: Int] = [:]
    public var swaps = 0
    public var rollbacks = 0
    public var rejections: [CandidateError.Reason: Int] = [:]
    /// The last promotion gate comparison, accepted or refused.
    public var lastEvidence: PromotionEvidence?
    /// Gate decisions: accepted, refused.
    public var gateAccepted = 0
    public var gateRefused = 0
    /// Unix time of the last swap.
    public var lastSwapAt: Timestamp?

    /// Why the service cannot serve yet, for readiness; nil once a model serves.
    public var notReadyReason: String? {
        guard current == nil else { return nil }
        if let e = lastPollError { return "no model loaded: \(e)" }
        if let c = candidate, let e = c.error { return "no model loaded: version \(c.version) rejected: \(e.message)" }
        if lastPollAt == nil { return "no model loaded: first poll of \(source) in progress" }
        return "no model loaded"
    }
}
