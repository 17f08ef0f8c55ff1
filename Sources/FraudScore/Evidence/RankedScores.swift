/// The metrics a promotion gate compares models by, both computed from the rows' ranks.
public enum RankingMetric: String, Sendable, CaseIterable {
    /// Area under the ROC curve (ties count half), as scikit-learn's `roc_auc_score`.
    case rocAUC = "roc_auc"
    /// Average precision over the distinct thresholds, as scikit-learn's `average_precision_score`.
    case averagePrecision = "average_precision"
}

/// One model's scores of the evaluation rows, sorted once so that the metric of any bootstrap
/// resample (each row weighted by how often it was drawn) is one linear pass.
struct RankedScores {
    /// Row indices by ascending score.
    private let order: [Int32]
    /// Where each run of equal scores ends in `order` (exclusive), ascending.
    private let runEnds: [Int32]

    init(_ scores: [Double]) {
        let sorted = scores.indices.sorted { scores[$0] < scores[$1] }
        order = sorted.map { Int32($0) }
        var ends: [Int32] = []
        for i in 1..<max(1, sorted.count) where scores[sorted[i]] != scores[sorted[i - 1]] { ends.append(Int32(i)) }
        if !sorted.isEmpty { ends.append(Int32(sorted.count)) }
        runEnds = ends
    }

    /// The metric with row `i` counted `weights[i]` times; nan when either class has no weight.
    func value(_ metric: RankingMetric, labels: [Bool], weights: [UInt32]) -> Double {
        labels.withUnsafeBufferPointer { l in
            weights.withUnsafeBufferPointer { w in
                order.withUnsafeBufferPointer { o in
                    metric == .rocAUC ? rocAUC(o, l, w) : averagePrecision(o, l, w)
                }
            }
        }
    }

    /// Weight of positives and negatives in one run of tied scores.
    @inline(__always)
    private func run(_ o: UnsafeBufferPointer<Int32>, _ range: Range<Int>, _ l: UnsafeBufferPointer<Bool>,
                     _ w: UnsafeBufferPointer<UInt32>) -> (positive: Double, negative: Double) {
        var positive: UInt64 = 0, negative: UInt64 = 0
        for k in range {
            let row = Int(o[k])
            if l[row] { positive += UInt64(w[row]) } else { negative += UInt64(w[row]) }
        }
        return (Double(positive), Double(negative))
    }

    /// Σ over positives of the negatives ranked below (ties half), over positives × negatives.
    private func rocAUC(_ o: UnsafeBufferPointer<Int32>, _ l: UnsafeBufferPointer<Bool>,
                        _ w: UnsafeBufferPointer<UInt32>) -> Double {
        var below = 0.0, pairs = 0.0, positives = 0.0
        var start = 0
        for end in runEnds {
            let (p, n) = run(o, start..<Int(end), l, w)
            pairs += p * (below + 0.5 * n)
            below += n
            positives += p
            start = Int(end)
        }
        guard positives > 0, below > 0 else { return .nan }
        return pairs / (positives * below)
    }

    /// Σ over thresholds, highest first, of (recall gained) × precision.
    private func averagePrecision(_ o: UnsafeBufferPointer<Int32>, _ l: UnsafeBufferPointer<Bool>,
                                  _ w: UnsafeBufferPointer<UInt32>) -> Double {
        var totalPositive = 0.0, totalNegative = 0.0
        for k in 0..<o.count {
            let row = Int(o[k])
            if l[row] { totalPositive += Double(w[row]) } else { totalNegative += Double(w[row]) }
        }
        guard totalPositive > 0, totalNegative > 0 else { return .nan }
        var truePositive = 0.0, falsePositive = 0.0, recall = 0.0, sum = 0.0
        var end = o.count
        for i in stride(from: runEnds.count - 1, through: 0, by: -1) {
            let start = i == 0 ? 0 : Int(runEnds[i - 1])
            let (p, n) = run(o, start..<end, l, w)
            end = start
            guard p + n > 0 else { continue }
            truePositive += p
            falsePositive += n
            let newRecall = truePositive / totalPositive
            sum += (newRecall - recall) * truePositive / (truePositive + falsePositive)
            recall = newRecall
        }
        return sum
    }
}
