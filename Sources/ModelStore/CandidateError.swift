/// Why a model version may not serve. `reason` labels metrics and is stable; `message` tells the
/// user what to fix.
public struct CandidateError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// Storage failed while fetching the version (retried with backoff).
        case storage
        /// manifest.json is missing fields or malformed.
        case manifest
        /// A file's size or sha256 differs from the manifest (truncated or corrupt).
        case integrity
        /// The model file does not parse as a model.
        case load
        /// The model needs features requests do not carry.
        case schema
        /// The model does not reproduce its validation rows.
        case validation
        /// The model's outputs are not finite probabilities.
        case output
        /// On the labeled evaluation rows, the model is worse than the serving one (or the rows are unusable).
        case evidence
    }

    public var reason: Reason
    public var message: String
    /// The comparison that refused the version, for `/models` and metrics.
    public var evidence: PromotionEvidence?

    public init(_ reason: Reason, _ message: String, evidence: PromotionEvidence? = nil) {
        self.reason = reason
        self.message = message
        self.evidence = evidence
    }

    public var description: String { message }
}
