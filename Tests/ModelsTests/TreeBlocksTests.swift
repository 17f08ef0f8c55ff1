import Models
import Support
import XCTest

/// The block kernel (batches) scores exactly as the row-by-row walk: random trees with every default
/// direction, rows with missing values, infinities and values equal to thresholds, and every batch
/// size around the block's 32 rows.
final class TreeBlocksTests: XCTestCase {
    /// addBatch over `count` rows and `sum` row by row both equal the reference, bit for bit.
    private func assertBatchEqualsRows(_ model: (TreeEnsemble, [RandomTrees.Tree]), count: Int, features: Int, cuts: [Float], seed: UInt64,
                                       file: StaticString = #filePath, line: UInt = #line) {
        let (e, trees) = model
        let x = RandomTrees.rows(count, features: features, cuts: cuts, seed: seed)
        let expected = (0..<count).map { r in RandomTrees.reference(trees, x[(r * features)..<((r + 1) * features)], start: 0.25) }
        var batch = [Float](repeating: 0.25, count: count)
        x.withUnsafeBufferPointer { r in
            batch.withUnsafeMutableBufferPointer { e.addBatch(r.baseAddress!, width: features, count: count, into: $0.baseAddress!) }
        }
        let single = (0..<count).map { r in x.withUnsafeBufferPointer { e.sum($0.baseAddress! + r * features, start: 0.25) } }
        XCTAssertEqual(batch.map(\.bitPattern), expected.map(\.bitPattern), "batch of \(count) rows", file: file, line: line)
        XCTAssertEqual(single.map(\.bitPattern), expected.map(\.bitPattern), "\(count) single rows", file: file, line: line)
    }

    private let cuts: [Float] = [-2, -1, -0.5, 0, 0.25, 0.5, 1, 2, .infinity, .leastNonzeroMagnitude, -.greatestFiniteMagnitude]

    func testBlocksScoreExactlyAsTheWalkForEveryBatchSize() throws {
        let e = try RandomTrees.ensemble(trees: 37, leaves: 1...32, features: 7, cuts: cuts, seed: 1)
        if RandomTrees.isX86WithAVX2 { XCTAssertTrue(e.0.scoresBlocks) }
        for count in [1, 7, 8, 9, 31, 32, 33, 39, 40, 64, 65, 100, 257] {
            assertBatchEqualsRows(e, count: count, features: 7, cuts: cuts, seed: UInt64(count))
        }
    }

    /// Past 128 features the walk's splits are not packed with their right child (tree_walk.h): that
    /// layout scores the same.
    func testWideRowsScoreExactlyAsTheReference() throws {
        let e = try RandomTrees.ensemble(trees: 23, leaves: 1...32, features: 140, cuts: cuts, seed: 8)
        for count in [1, 9, 40] {
            assertBatchEqualsRows(e, count: count, features: 140, cuts: cuts, seed: UInt64(100 + count))
        }
    }

    func testTreesOfExactly32LeavesUseTheBlocks() throws {
        let e = try RandomTrees.ensemble(trees: 20, leaves: 32...32, features: 3, cuts: cuts, seed: 2)
        if RandomTrees.isX86WithAVX2 { XCTAssertTrue(e.0.scoresBlocks) }
        assertBatchEqualsRows(e, count: 96, features: 3, cuts: cuts, seed: 3)
    }

    /// Past 32 leaves, or with a threshold the ±inf encoding cannot honour, batches walk row by row,
    /// and still agree.
    func testEnsemblesTheBlocksCannotTakeAreWalked() throws {
        let big = try RandomTrees.ensemble(trees: 5, leaves: 33...40, features: 4, cuts: cuts, seed: 4)
        XCTAssertFalse(big.0.scoresBlocks)
        assertBatchEqualsRows(big, count: 50, features: 4, cuts: cuts, seed: 5)
        let minusInfinity = try RandomTrees.ensemble(trees: 5, leaves: 2...8, features: 4, cuts: [-.infinity], seed: 6)
        XCTAssertFalse(minusInfinity.0.scoresBlocks)
        assertBatchEqualsRows(minusInfinity, count: 50, features: 4, cuts: cuts, seed: 7)
    }

    func testANaNThresholdIsRefusedWithTheNode() {
        var e = TreeEnsemble(featureCount: 1)
        XCTAssertThrowsError(try e.appendTree(left: [1, -1, -1], right: [2, -1, -1], feature: [0, 0, 0],
                                              threshold: [.nan, 1, 2], defaultLeft: [true, true, true])) {
            XCTAssertEqual(($0 as? ModelError)?.message, "tree 0: node 0 splits at NaN, which no value is below or above")
        }
    }

    func testSingleLeafTreesAddTheirValue() throws {
        var e = TreeEnsemble(featureCount: 2)
        try e.appendTree(left: [-1], right: [-1], feature: [0], threshold: [0.5], defaultLeft: [true])
        try e.appendTree(left: [1, -1, -1], right: [2, -1, -1], feature: [1, 0, 0], threshold: [0, 1, 2], defaultLeft: [false, true, true])
        // Rows: feature 1 below 0 (left: 1), at 0 (right: 2), missing (default right: 2).
        let x: [Float] = [0, -1, 0, 0, 0, .nan] + [Float](repeating: 0, count: 2 * 7)
        var batch = [Float](repeating: 0, count: 10)
        x.withUnsafeBufferPointer { r in batch.withUnsafeMutableBufferPointer { e.addBatch(r.baseAddress!, width: 2, count: 10, into: $0.baseAddress!) } }
        XCTAssertEqual(Array(batch.prefix(3)), [1.5, 2.5, 2.5])
    }
}
