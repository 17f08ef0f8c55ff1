/// A budget for traffic that is legal but costs the server work: `burst` tokens at once, refilled
/// at `perSecond`. The HTTP/2 defences spend one token per suspicious frame; an empty bucket ends
/// the connection.
struct TokenBucket {
    let burst: Double
    let perSecond: Double
    private var tokens: Double
    private var lastMs: UInt64

    init(burst: Int, perSecond: Int, nowMs: UInt64) {
        self.burst = Double(burst)
        self.perSecond = Double(perSecond)
        tokens = Double(burst)
        lastMs = nowMs
    }

    /// Adds what has accrued since the last call (never more than `burst`).
    mutating func refill(nowMs: UInt64) {
        guard nowMs > lastMs else { return }
        tokens = min(burst, tokens + Double(nowMs - lastMs) * perSecond / 1000)
        lastMs = nowMs
    }

    /// Spends one token; false when none was left.
    mutating func take() -> Bool {
        tokens -= 1
        return tokens >= 0
    }
}
