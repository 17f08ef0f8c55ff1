@testable import FraudScore
import XCTest

final class CanaryTests: XCTestCase {
    func testTheWindowKeepsTheLastOutcomesAndItsHistogramInStep() {
        var w = ScoreWindow(capacity: 3)
        w.add(0.0005)
        w.add(nil)
        w.add(0.9)
        XCTAssertEqual(w.count, 3)
        XCTAssertEqual(w.errors, 1)
        XCTAssertEqual(w.bins.reduce(0, +), 2)
        w.add(0.9)  // evicts 0.0005
        w.add(0.9)  // evicts the error
        XCTAssertEqual(w.count, 3)
        XCTAssertEqual(w.errors, 0)
        XCTAssertEqual(w.bins[0], 0)
        XCTAssertEqual(w.bins[ScoreWindow.bounds.count], 3)
        XCTAssertEqual(w.errorRate, 0)
    }

    func testPSIIsZeroForTheSameDistributionAndLargeForAShiftedOne() {
        var a = ScoreWindow(capacity: 1000), b = ScoreWindow(capacity: 1000), shifted = ScoreWindow(capacity: 1000)
        for i in 0..<1000 {
            let p = Double(i % 100) / 100
            a.add(p)
            b.add(p)
            shifted.add(min(1, p + 0.3))
        }
        XCTAssertEqual(ScoreWindow.psi(expected: a, actual: b), 0, accuracy: 1e-12)
        XCTAssertGreaterThan(ScoreWindow.psi(expected: a, actual: shifted), 1)
        // By hand for two bins: 0.5/0.5 against 0.8/0.2 (the other bins empty on both sides).
        var e = ScoreWindow(capacity: 10), f = ScoreWindow(capacity: 10)
        for k in 0..<10 {
            e.add(k < 5 ? 0.0001 : 0.9)
            f.add(k < 8 ? 0.0001 : 0.9)
        }
        let expected = (0.8 - 0.5) * log(0.8 / 0.5) + (0.2 - 0.5) * log(0.2 / 0.5)
        XCTAssertEqual(ScoreWindow.psi(expected: e, actual: f), expected, accuracy: 1e-12)
    }

    func testTheShareIsStableAndNearItsPercent() {
        let router = CanaryRouter(CanaryConfig(model: "unused"), scoring: ScoringConfig())
        let again = CanaryRouter(CanaryConfig(model: "unused"), scoring: ScoringConfig())
        let chosen = (1...20_000).filter { router.inShare(Int64($0)) }
        XCTAssertEqual(chosen, (1...20_000).filter { again.inShare(Int64($0)) })
        XCTAssertEqual(Double(chosen.count) / 20_000 * 100, 5, accuracy: 0.5)
        var none = CanaryConfig(model: "unused")
        none.percent = 0
        XCTAssertFalse((1...1000).contains { CanaryRouter(none, scoring: ScoringConfig()).inShare(Int64($0)) })
    }
}
