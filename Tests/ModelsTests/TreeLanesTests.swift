import Models
import Support
import XCTest

/// The lanes kernel (one row through eight trees at a time) scores exactly as the trees' plain
/// meaning: random trees up to its depth limit, with every default direction, rows with missing
/// values, infinities and values equal to thresholds; and past the limit the walk takes over.
final class TreeLanesTests: XCTestCase {
    private let cuts: [Float] = [-2, -1, -0.5, 0, 0.25, 0.5, 1, 2, .infinity, -.infinity, .leastNonzeroMagnitude,
                                 -.greatestFiniteMagnitude]

    private func assertRowsEqualReference(_ model: (TreeEnsemble, [RandomTrees.Tree]), rows count: Int, features: Int,
                                          seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let (e, trees) = model
        let x = RandomTrees.rows(count, features: features, cuts: cuts, seed: seed)
        let expected = (0..<count).map { r in RandomTrees.reference(trees, x[(r * features)..<((r + 1) * features)], start: 0.25) }
        let single = (0..<count).map { r in x.withUnsafeBufferPointer { e.sum($0.baseAddress! + r * features, start: 0.25) } }
        XCTAssertEqual(single.map(\.bitPattern), expected.map(\.bitPattern), file: file, line: line)
    }

    func testTreesUpToEightDeepScoreExactlyAsTheReference() throws {
        // 37 trees: four full groups of eight and a last group of five.
        let e = try RandomTrees.ensemble(trees: 37, leaves: 1...40, maxDepth: 8, features: 7, cuts: cuts, seed: 11)
        XCTAssertEqual(e.0.scoresLanes, RandomTrees.isX86WithAVX2)
        assertRowsEqualReference(e, rows: 500, features: 7, seed: 12)
    }

    /// Up to 8, 16 and 32 key columns are looked up in registers, past that gathered from memory:
    /// 3, 6, 16 and 40 features with both default sides cover each way.
    func testEveryWayOfLookingUpKeysScoresExactly() throws {
        for (i, features) in [3, 6, 16, 40].enumerated() {
            let e = try RandomTrees.ensemble(trees: 30, leaves: 8...32, maxDepth: 7, features: features, cuts: cuts, seed: 20 + UInt64(i))
            XCTAssertEqual(e.0.scoresLanes, RandomTrees.isX86WithAVX2)
            assertRowsEqualReference(e, rows: 200, features: features, seed: 30 + UInt64(i))
        }
    }

    func testCompleteTreesOfTheDeepestDepthFit() throws {
        let e = try RandomTrees.ensemble(trees: 9, leaves: 256...256, maxDepth: 8, features: 5, cuts: cuts, seed: 13)
        XCTAssertEqual(e.1.map(\.left.count), [Int](repeating: 511, count: 9))
        XCTAssertEqual(e.0.scoresLanes, RandomTrees.isX86WithAVX2)
        assertRowsEqualReference(e, rows: 300, features: 5, seed: 14)
    }

    func testWideRowsScoreExactlyAsTheReference() throws {
        let e = try RandomTrees.ensemble(trees: 17, leaves: 1...32, maxDepth: 6, features: 140, cuts: cuts, seed: 15)
        XCTAssertEqual(e.0.scoresLanes, RandomTrees.isX86WithAVX2)
        assertRowsEqualReference(e, rows: 200, features: 140, seed: 16)
    }

    /// One tree nine deep sends the whole ensemble to the walk, which agrees too.
    func testADeeperTreeIsWalked() throws {
        var (e, trees) = try RandomTrees.ensemble(trees: 12, leaves: 2...20, maxDepth: 8, features: 4, cuts: cuts, seed: 17)
        XCTAssertEqual(e.scoresLanes, RandomTrees.isX86WithAVX2)
        // A chain: each split's right child splits again, nine times.
        var chain = RandomTrees.Tree()
        for d in 0..<9 {
            chain.left += [2 * d + 1, -1]; chain.right += [2 * d + 2, -1]
            chain.feature += [d % 4, 0]; chain.threshold += [cuts[d], Float(d)]; chain.defaultLeft += [d % 2 == 0, true]
        }
        chain.left.append(-1); chain.right.append(-1); chain.feature.append(0); chain.threshold.append(42); chain.defaultLeft.append(true)
        try e.appendTree(left: chain.left, right: chain.right, feature: chain.feature, threshold: chain.threshold,
                         defaultLeft: chain.defaultLeft)
        trees.append(chain)
        XCTAssertFalse(e.scoresLanes)
        assertRowsEqualReference((e, trees), rows: 300, features: 4, seed: 18)
    }

    /// Padding lanes of the last group are never added: -0 leaves onto a -0 start stay -0.
    func testNegativeZeroLeavesStayNegativeZero() throws {
        var e = TreeEnsemble(featureCount: 1)
        for _ in 0..<3 {
            try e.appendTree(left: [1, -1, -1], right: [2, -1, -1], feature: [0, 0, 0], threshold: [0.5, -0.0, -0.0],
                             defaultLeft: [true, true, true])
        }
        XCTAssertEqual(e.scoresLanes, RandomTrees.isX86WithAVX2)
        for x: Float in [0, 1, .nan] {
            XCTAssertEqual(withUnsafePointer(to: x) { e.sum($0, start: -0.0) }.bitPattern, (-0.0 as Float).bitPattern)
        }
    }

    func testSingleLeafTreesAddTheirValue() throws {
        var e = TreeEnsemble(featureCount: 2)
        for v: Float in [0.5, 0.25, 2] { try e.appendTree(left: [-1], right: [-1], feature: [0], threshold: [v], defaultLeft: [true]) }
        XCTAssertEqual(e.scoresLanes, RandomTrees.isX86WithAVX2)
        let row: [Float] = [.nan, 3]
        XCTAssertEqual(row.withUnsafeBufferPointer { e.sum($0.baseAddress!, start: 1) }, 3.75)
    }
}
