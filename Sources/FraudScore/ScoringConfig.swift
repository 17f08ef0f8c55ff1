/// How the API turns a model's output into a decision.
public struct ScoringConfig: Sendable {
    /// `is_fraud` is `fraud_probability >= threshold`.
    public var threshold: Double = 0.5
    /// Absent features are scored as missing values instead of being rejected with 422.
    public var allowMissingFeatures = false

    public init(threshold: Double = 0.5, allowMissingFeatures: Bool = false) {
        self.threshold = threshold
        self.allowMissingFeatures = allowMissingFeatures
    }
}
