/// `--canary*`: a challenger that answers a stable share of customers, rolled back automatically.
public struct CanaryConfig: Sendable {
    /// The canary model's source (any `--model` form, e.g. `models:/fraud@challenger`).
    public var model: String
    /// Share of customers (0 to 100) the canary answers, chosen by a hash of `customer_id`: the
    /// same customers on every replica.
    public var percent = 5.0
    /// Requests per arm (canary, served model) in the sliding window the comparison is made over.
    public var window = 2_000
    /// Requests each arm needs in its window before the canary can be judged (a PSI over fewer rows
    /// is mostly sampling noise: about 0.1 at 200 rows a side with 10 bins).
    public var minRequests = 1_000
    /// Rolled back when its error rate exceeds the served model's by more than this.
    public var maxErrorRateIncrease = 0.01
    /// Rolled back when the population stability index of its scores against the served model's
    /// exceeds this (0.1: a moderate shift; 0.25: a large one).
    public var maxPSI = 0.25

    public init(model: String) { self.model = model }
}
