@testable import FraudScore
import Support
import XCTest

final class PromotionGateTests: XCTestCase {
    /// Reference values by definition: every (positive, negative) pair, ties half.
    private func pairwiseAUC(_ s: [Double], _ y: [Bool], _ w: [UInt32]) -> Double {
        var num = 0.0, pos = 0.0, neg = 0.0
        for i in s.indices where y[i] { pos += Double(w[i]) }
        for i in s.indices where !y[i] { neg += Double(w[i]) }
        for i in s.indices where y[i] {
            for j in s.indices where !y[j] {
                let pair = Double(w[i]) * Double(w[j])
                num += s[i] > s[j] ? pair : s[i] == s[j] ? pair / 2 : 0
            }
        }
        return num / (pos * neg)
    }

    /// Average precision by definition: at each distinct threshold, highest first, the recall it
    /// adds times the precision there.
    private func thresholdAP(_ s: [Double], _ y: [Bool], _ w: [UInt32]) -> Double {
        let total = s.indices.filter { y[$0] }.reduce(0.0) { $0 + Double(w[$1]) }
        var ap = 0.0, lastRecall = 0.0
        for t in Set(s).sorted(by: >) {
            let above = s.indices.filter { s[$0] >= t }
            let tp = above.filter { y[$0] }.reduce(0.0) { $0 + Double(w[$1]) }
            let all = above.reduce(0.0) { $0 + Double(w[$1]) }
            guard all > 0 else { continue }
            ap += (tp / total - lastRecall) * tp / all
            lastRecall = tp / total
        }
        return ap
    }

    func testMetricsAgreeWithTheirDefinitionsWithTiesAndWeights() {
        var random = SplitMix64(seed: 3)
        for trial in 0..<50 {
            let n = 5 + trial
            // Scores on a coarse grid so that ties are common.
            let scores = (0..<n).map { _ in Double(random.next() % 7) / 7 }
            var labels = (0..<n).map { _ in random.next() % 3 == 0 }
            labels[0] = true
            labels[1] = false
            let weights = (0..<n).map { i in i < 2 ? 1 : UInt32(random.next() % 3) }
            let ranked = RankedScores(scores)
            XCTAssertEqual(ranked.value(.rocAUC, labels: labels, weights: weights), pairwiseAUC(scores, labels, weights),
                           accuracy: 1e-12)
            XCTAssertEqual(ranked.value(.averagePrecision, labels: labels, weights: weights),
                           thresholdAP(scores, labels, weights), accuracy: 1e-12)
        }
        // scikit-learn: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75;
        // average_precision_score(same) = 0.8333333333333333
        let ranked = RankedScores([0.1, 0.4, 0.35, 0.8])
        let y = [false, false, true, true], ones: [UInt32] = [1, 1, 1, 1]
        XCTAssertEqual(ranked.value(.rocAUC, labels: y, weights: ones), 0.75, accuracy: 1e-15)
        XCTAssertEqual(ranked.value(.averagePrecision, labels: y, weights: ones), 0.8333333333333333, accuracy: 1e-15)
        XCTAssertTrue(ranked.value(.rocAUC, labels: [true, true, true, true], weights: ones).isNaN)
    }

    private func synthetic(n: Int, seed: UInt64) -> (labels: [Bool], good: [Double], equivalent: [Double], noise: [Double]) {
        var random = SplitMix64(seed: seed)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        var labels: [Bool] = [], good: [Double] = [], equivalent: [Double] = [], noise: [Double] = []
        for _ in 0..<n {
            let y = uniform() < 0.1
            let signal = y ? 1.0 : 0.0
            labels.append(y)
            good.append(signal + 1.2 * uniform())
            equivalent.append(signal + 1.2 * uniform())
            noise.append(uniform())
        }
        return (labels, good, equivalent, noise)
    }

    func testTheBootstrapRefusesAWorseModelAcceptsAnEquivalentAndRepeatsForASeed() throws {
        let data = synthetic(n: 4_000, seed: 11)
        for metric in RankingMetric.allCases {
            let bootstrap = PairedBootstrap(metric: metric, resamples: 500, alpha: 0.05, seed: 42)
            let worse = try XCTUnwrap(bootstrap.compare(serving: data.good, candidate: data.noise, labels: data.labels))
            XCTAssertTrue(worse.worse, "\(metric): \(worse)")
            XCTAssertLessThan(worse.high, 0)
            let same = try XCTUnwrap(bootstrap.compare(serving: data.good, candidate: data.equivalent, labels: data.labels))
            XCTAssertFalse(same.worse, "\(metric): \(same)")
            XCTAssertLessThan(same.low, 0)
            XCTAssertGreaterThan(same.high, 0)
            let again = try XCTUnwrap(bootstrap.compare(serving: data.good, candidate: data.equivalent, labels: data.labels))
            XCTAssertEqual([again.low, again.high], [same.low, same.high], "same seed, same interval")
            var other = bootstrap
            other.seed = 43
            let reseeded = try XCTUnwrap(other.compare(serving: data.good, candidate: data.equivalent, labels: data.labels))
            XCTAssertNotEqual([reseeded.low, reseeded.high], [same.low, same.high], "the seed is used")
            XCTAssertEqual(reseeded.serving, same.serving, "point estimates do not depend on the seed")
        }
        XCTAssertNil(PairedBootstrap(metric: .rocAUC, resamples: 100, alpha: 0.05, seed: 0)
            .compare(serving: [0.1, 0.2], candidate: [0.3, 0.4], labels: [false, false]))
    }

    func testLabelsAreZeroOneOrBooleanAndAnythingElseIsNamed() throws {
        let rows = Array("{\"tx_fraud\":1}\n{\"tx_fraud\":0}\n\n{\"tx_fraud\":true}\n".utf8)
        XCTAssertEqual(try PromotionGate.labels(rows, key: "tx_fraud"), [true, false, true])
        XCTAssertThrowsError(try PromotionGate.labels(Array("{\"tx_fraud\":1}\n{\"label\":1}\n".utf8), key: "tx_fraud")) {
            XCTAssertTrue("\($0)".contains("line 2") && "\($0)".contains("--gate-label"), "\($0)")
        }
        XCTAssertThrowsError(try PromotionGate.labels(Array("{\"tx_fraud\":0.5}\n".utf8), key: "tx_fraud"))
    }
}
