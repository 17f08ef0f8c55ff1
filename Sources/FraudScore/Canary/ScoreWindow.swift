/// The last `capacity` outcomes of one arm (a score, or an error), with their histogram kept up to
/// date as outcomes enter and leave, so that comparing two arms costs a pass over a few bins.
struct ScoreWindow {
    /// Bin upper bounds of fraud probabilities: finer near 0, where most transactions score.
    static let bounds: [Double] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]

    private var ring: [Int8]
    private var next = 0
    private(set) var count = 0
    private(set) var bins: [Int]
    private(set) var errors = 0

    init(capacity: Int) {
        ring = [Int8](repeating: -1, count: max(1, capacity))
        bins = [Int](repeating: 0, count: Self.bounds.count + 1)
    }

    /// A score (nil: the request failed).
    mutating func add(_ score: Double?) {
        let entry: Int8 = score.map { p in Int8(Self.bounds.firstIndex { p <= $0 } ?? Self.bounds.count) } ?? -1
        if count == ring.count {
            let old = ring[next]
            if old < 0 { errors -= 1 } else { bins[Int(old)] -= 1 }
        } else {
            count += 1
        }
        ring[next] = entry
        if entry < 0 { errors += 1 } else { bins[Int(entry)] += 1 }
        next = (next + 1) % ring.count
    }

    var errorRate: Double { count == 0 ? 0 : Double(errors) / Double(count) }

    /// Population stability index of `actual`'s scores against `expected`'s: Σ (a - e) ln(a / e)
    /// over the bins, with empty bins smoothed; 0 for identical distributions.
    static func psi(expected: ScoreWindow, actual: ScoreWindow) -> Double {
        let e = Double(max(1, expected.count - expected.errors)), a = Double(max(1, actual.count - actual.errors))
        var sum = 0.0
        for i in expected.bins.indices {
            let pe = max(Double(expected.bins[i]) / e, 1e-4), pa = max(Double(actual.bins[i]) / a, 1e-4)
            sum += (pa - pe) * log(pa / pe)
        }
        return sum
    }
}

#if canImport(Glibc)
import Glibc
#endif
