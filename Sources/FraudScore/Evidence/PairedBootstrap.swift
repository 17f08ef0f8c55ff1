import ModelStore
import Support

/// A one-sided paired bootstrap: both models' scores of the same labeled rows, resampled together
/// (each resample draws the rows with replacement, and both models are measured on the same draw),
/// so the spread of the difference reflects only the rows, not two independent samples.
struct PairedBootstrap {
    var metric: RankingMetric
    var resamples: Int
    /// The candidate is refused when it is worse with confidence 1 - alpha: the (1 - alpha)
    /// quantile of (candidate - serving) over the resamples is below zero.
    var alpha: Double
    var seed: UInt64

    struct Outcome {
        var serving: Double
        var candidate: Double
        /// The alpha and 1 - alpha quantiles of candidate - serving.
        var low: Double
        var high: Double
        /// Resamples in which a class was missing (no metric); left out of the quantiles.
        var degenerate: Int
        var worse: Bool { high < 0 }
    }

    /// nil when the rows do not hold both classes.
    func compare(serving: [Double], candidate: [Double], labels: [Bool]) -> Outcome? {
        let n = labels.count
        let servingRanks = RankedScores(serving), candidateRanks = RankedScores(candidate)
        let all = [UInt32](repeating: 1, count: n)
        let servingValue = servingRanks.value(metric, labels: labels, weights: all)
        let candidateValue = candidateRanks.value(metric, labels: labels, weights: all)
        guard servingValue.isFinite, candidateValue.isFinite else { return nil }
        var random = SplitMix64(seed: seed)
        var weights = [UInt32](repeating: 0, count: n)
        var deltas: [Double] = []
        deltas.reserveCapacity(resamples)
        var degenerate = 0
        for _ in 0..<resamples {
            weights.withUnsafeMutableBufferPointer { w in
                w.update(repeating: 0)
                // Lemire's multiply-shift: a uniform index in 0..<n from 64 random bits.
                for _ in 0..<n { w[Int(random.next().multipliedFullWidth(by: UInt64(n)).high)] += 1 }
            }
            let delta = candidateRanks.value(metric, labels: labels, weights: weights)
                - servingRanks.value(metric, labels: labels, weights: weights)
            if delta.isFinite { deltas.append(delta) } else { degenerate += 1 }
        }
        guard !deltas.isEmpty else { return nil }
        deltas.sort()
        let last = Double(deltas.count - 1)
        let low = deltas[Int((alpha * last).rounded(.down))]
        let high = deltas[Int(((1 - alpha) * last).rounded(.up))]
        return Outcome(serving: servingValue, candidate: candidateValue, low: low, high: high, degenerate: degenerate)
    }
}
