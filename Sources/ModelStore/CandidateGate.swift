/// Decides whether a loaded candidate may serve; the API layer knows the request schema.
public protocol CandidateGate: Sendable {
    /// Throws why the candidate may not serve; returns the promotion evidence when labeled rows
    /// were compared (nil when there was nothing to compare with).
    func check(_ candidate: Candidate) throws(CandidateError) -> PromotionEvidence?
}
