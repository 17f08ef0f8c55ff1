import Support

/// What the promotion gate found when it compared a candidate with the serving version on labeled
/// rows: both metrics, the interval of their difference, and the decision.
public struct PromotionEvidence: Sendable, Equatable {
    public var metric: String
    public var servingVersion: String
    public var candidateVersion: String
    public var serving: Double
    public var candidate: Double
    /// The alpha and 1 - alpha quantiles of candidate - serving over the resamples.
    public var deltaLow: Double
    public var deltaHigh: Double
    public var rows: Int
    public var positives: Int
    public var resamples: Int
    public var alpha: Double
    public var seed: UInt64
    public var accepted: Bool
    public var elapsedMs: Int
    public var at: Timestamp

    public init(metric: String, servingVersion: String, candidateVersion: String, serving: Double, candidate: Double,
                deltaLow: Double, deltaHigh: Double, rows: Int, positives: Int, resamples: Int, alpha: Double,
                seed: UInt64, accepted: Bool, elapsedMs: Int) {
        self.metric = metric
        self.servingVersion = servingVersion
        self.candidateVersion = candidateVersion
        self.serving = serving
        self.candidate = candidate
        self.deltaLow = deltaLow
        self.deltaHigh = deltaHigh
        self.rows = rows
        self.positives = positives
        self.resamples = resamples
        self.alpha = alpha
        self.seed = seed
        self.accepted = accepted
        self.elapsedMs = elapsedMs
        at = .now()
    }

    /// One line for logs and refusals.
    public var summary: String {
        "\(metric) \(candidate) for \(candidateVersion) vs \(serving) for \(servingVersion) on \(rows) rows "
            + "(\(positives) positive); candidate - serving in [\(deltaLow), \(deltaHigh)] "
            + "(\(resamples) paired bootstrap resamples, alpha \(alpha), seed \(seed))"
    }
}
