import Foundation
import Models
import Support
import XCTest

/// The block kernel (batches) scores exactly as the row-by-row walk: random trees with every default
/// direction, rows with missing values, infinities and values equal to thresholds, and every batch
/// size around the block's 32 rows.
final class TreeBlocksTests: XCTestCase {
    private struct Tree {
        var left: [Int] = [], right: [Int] = [], feature: [Int] = [], threshold: [Float] = [], defaultLeft: [Bool] = []
    }

    /// A random tree of `leaves` leaves: leaves are split at random until there are enough. Thresholds
    /// come from `cuts`, so rows can hit them exactly.
    private func randomTree(leaves: Int, features: Int, cuts: [Float], _ g: inout SplitMix64) -> Tree {
        var t = Tree()
        func node(leaf value: Float) -> Int {
            t.left.append(-1); t.right.append(-1); t.feature.append(0); t.threshold.append(value); t.defaultLeft.append(true)
            return t.left.count - 1
        }
        var open = [node(leaf: Float.random(in: -1...1, using: &g))]
        while open.count < leaves {
            let i = open.remove(at: Int.random(in: 0..<open.count, using: &g))
            let l = node(leaf: Float.random(in: -1...1, using: &g)), r = node(leaf: Float.random(in: -1...1, using: &g))
            t.left[i] = l; t.right[i] = r
            t.feature[i] = Int.random(in: 0..<features, using: &g)
            t.threshold[i] = cuts.randomElement(using: &g)!
            t.defaultLeft[i] = Bool.random(using: &g)
            open += [l, r]
        }
        return t
    }

    /// The trees' meaning, node by node: left when `x < threshold`, a missing value to the default side.
    private func reference(_ trees: [Tree], _ row: ArraySlice<Float>, start: Float) -> Float {
        var acc = start
        for t in trees {
            var i = 0
            while t.left[i] != -1 {
                let x = row[row.startIndex + t.feature[i]]
                i = (x.isNaN ? t.defaultLeft[i] : x < t.threshold[i]) ? t.left[i] : t.right[i]
            }
            acc += t.threshold[i]
        }
        return acc
    }

    private func ensemble(trees: Int, leaves: ClosedRange<Int>, features: Int, cuts: [Float], seed: UInt64) throws -> (TreeEnsemble, [Tree]) {
        var g = SplitMix64(seed: seed)
        var e = TreeEnsemble(featureCount: features)
        var all: [Tree] = []
        for _ in 0..<trees {
            let t = randomTree(leaves: Int.random(in: leaves, using: &g), features: features, cuts: cuts, &g)
            try e.appendTree(left: t.left, right: t.right, feature: t.feature, threshold: t.threshold, defaultLeft: t.defaultLeft)
            all.append(t)
        }
        return (e, all)
    }

    private func rows(_ count: Int, features: Int, cuts: [Float], seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        return (0..<(count * features)).map { _ in
            switch Int.random(in: 0..<10, using: &g) {
            case 0: return .nan
            case 1: return [Float.infinity, -.infinity].randomElement(using: &g)!
            case 2, 3: return cuts.randomElement(using: &g)!  // exactly a threshold
            default: return Float.random(in: -3...3, using: &g)
            }
        }
    }

    /// addBatch over `count` rows and `sum` row by row both equal the reference, bit for bit.
    private func assertBatchEqualsRows(_ model: (TreeEnsemble, [Tree]), count: Int, features: Int, cuts: [Float], seed: UInt64,
                                       file: StaticString = #filePath, line: UInt = #line) {
        let (e, trees) = model
        let x = rows(count, features: features, cuts: cuts, seed: seed)
        let expected = (0..<count).map { r in reference(trees, x[(r * features)..<((r + 1) * features)], start: 0.25) }
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
        let e = try ensemble(trees: 37, leaves: 1...32, features: 7, cuts: cuts, seed: 1)
        if isX86WithAVX2 { XCTAssertTrue(e.0.scoresBlocks) }
        for count in [1, 7, 8, 9, 31, 32, 33, 39, 40, 64, 65, 100, 257] {
            assertBatchEqualsRows(e, count: count, features: 7, cuts: cuts, seed: UInt64(count))
        }
    }

    /// Past 128 features the walk's splits are not packed with their right child (tree_walk.h): that
    /// layout scores the same.
    func testWideRowsScoreExactlyAsTheReference() throws {
        let e = try ensemble(trees: 23, leaves: 1...32, features: 140, cuts: cuts, seed: 8)
        for count in [1, 9, 40] {
            assertBatchEqualsRows(e, count: count, features: 140, cuts: cuts, seed: UInt64(100 + count))
        }
    }

    func testTreesOfExactly32LeavesUseTheBlocks() throws {
        let e = try ensemble(trees: 20, leaves: 32...32, features: 3, cuts: cuts, seed: 2)
        if isX86WithAVX2 { XCTAssertTrue(e.0.scoresBlocks) }
        assertBatchEqualsRows(e, count: 96, features: 3, cuts: cuts, seed: 3)
    }

    /// Past 32 leaves, or with a threshold the ±inf encoding cannot honour, batches walk row by row,
    /// and still agree.
    func testEnsemblesTheBlocksCannotTakeAreWalked() throws {
        let big = try ensemble(trees: 5, leaves: 33...40, features: 4, cuts: cuts, seed: 4)
        XCTAssertFalse(big.0.scoresBlocks)
        assertBatchEqualsRows(big, count: 50, features: 4, cuts: cuts, seed: 5)
        let minusInfinity = try ensemble(trees: 5, leaves: 2...8, features: 4, cuts: [-.infinity], seed: 6)
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

    /// What the kernel's own CPU check must find, read independently from the kernel's flags list.
    private var isX86WithAVX2: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx2") }
    }
}
