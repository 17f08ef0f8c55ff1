/// How the API turns a model's output into a decision.
public struct ScoringConfig: Sendable {
    /// `is_fraud` is `fraud_probability >= threshold`; nil = each model's own decision threshold
    /// (manifest or model_meta.json), else 0.5.
    public var threshold: Double?
    /// Absent features are scored as missing values instead of being rejected with 422.
    public var allowMissingFeatures = false
    /// Transactions in one batch request (a JSON array); more is a 413.
    public var maxBatchSize = 1000
    /// Validation errors listed in a 422 body; beyond, only their number (`errors_total`).
    public var maxErrorDetails = 100
    /// The windowed features come from a feature store (`--feature-store`), not from requests.
    public var onlineFeatures = false

    public init(threshold: Double? = nil, allowMissingFeatures: Bool = false, maxBatchSize: Int = 1000,
                maxErrorDetails: Int = 100) {
        self.threshold = threshold
        self.allowMissingFeatures = allowMissingFeatures
        self.maxBatchSize = maxBatchSize
        self.maxErrorDetails = maxErrorDetails
    }
}
