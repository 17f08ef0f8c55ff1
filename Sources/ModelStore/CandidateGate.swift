/// Decides whether a loaded candidate may serve; the API layer knows the request schema.
public protocol CandidateGate: Sendable {
    func check(_ candidate: Candidate) throws(CandidateError)
}
