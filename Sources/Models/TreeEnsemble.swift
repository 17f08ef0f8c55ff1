import CTreeKernels

/// Binary decision trees, scored three ways: one row at a time eight trees at once, a tree per
/// vector lane (`TreeLanes`, CTreeKernels' tree_lanes.c), where the CPU runs AVX2 and no tree is
/// deeper than 8; one row at a time by walking them otherwise (tree_walk.c); and batches a block of
/// rows at a time by the block kernel (`TreeBlocks`) where the CPU runs it.
///
/// For the walk, node `i` is an `fs_walk_split` (the split's threshold as an order-preserving unsigned
/// key and the column it compares, packed with its right child when the ensemble is small enough),
/// its right child and a leaf's value (`tree_walk.h`). Nodes are
/// numbered breadth-first per tree, so a split's left child is its right child - 1 and a step is one
/// unsigned compare whose borrow is subtracted from the right child. A row's values become keys once
/// (`RowKeys`): two columns per feature, which differ only for a missing value, below every key for
/// splits that send it left and above every split's key for those that send it right; so a step
/// never tests for NaN. A leaf is its own left child with a threshold above every key: trees are
/// walked ten at a time for a fixed number of steps (the deepest of the ten), which lets the CPU
/// overlap ten independent chains of loads instead of waiting on one and mispredicting every
/// data-dependent branch. Leaf values are then added in tree order, so the Float32 sum is exactly
/// the library's; the lanes kernel compares the same keys and adds in the same order.
public struct TreeEnsemble: Sendable {

    static let group = Int(FS_WALK_GROUP)

    /// Node i's split. While `rights` is empty (fewer than 2^24 nodes, at most 256 columns) its column
    /// word also holds its right child, `right << 8 | column` (`tree_walk.h`), so a step reads one
    /// line. Node 0 is a self-looping leaf of value 0 that pads the last group of trees.
    private var splits: [fs_walk_split] = [fs_walk_split(threshold: .max, column: 1 << 8)]
    /// Each node's right child, once the ensemble is too large to pack its splits; empty until then.
    private var rights: [UInt32] = []
    /// Each node's value: a leaf's, 0 for a split.
    private var values: [Float] = [0]
    public private(set) var treeCount = 0
    /// Each tree's root in groups of ten, in the order the trees are summed; the last group is padded
    /// with node 0, so a walk's start needs no test.
    private var groupRoots: [UInt32] = []
    /// Per group of ten trees: the steps that bring every one of them to a leaf (their max depth).
    private var groupSteps: [Int32] = []
    /// The same trees for the block kernel (batches of rows).
    private var blocks = TreeBlocks()
    /// The same trees for the lanes kernel (one row, eight trees at a time).
    private var lanes: TreeLanes
    /// Whether single rows take the lanes kernel: it runs here and every tree fits it.
    private var walksLanes = false
    public let featureCount: Int

    public init(featureCount: Int) {
        self.featureCount = featureCount
        lanes = TreeLanes(featureCount: featureCount)
    }

    /// Adds a tree given in a format's own per-tree arrays, with child indices local to the tree and
    /// `-1` as the left child of a leaf. Checks every index, so evaluation can trust them, and renumbers
    /// the nodes breadth-first so that every split's children are adjacent (right = left + 1).
    public mutating func appendTree(
        left: [Int], right: [Int], feature: [Int], threshold: [Float], defaultLeft: [Bool]
    ) throws {
        let n = left.count
        let t = treeCount
        guard n > 0, right.count == n, feature.count == n, threshold.count == n, defaultLeft.count == n else {
            throw ModelError("tree \(t): node arrays have different lengths")
        }
        for i in 0..<n where left[i] != -1 {
            guard left[i] >= 0, left[i] < n, right[i] >= 0, right[i] < n else {
                throw ModelError("tree \(t): node \(i) has a child index out of range")
            }
            guard !threshold[i].isNaN else {
                throw ModelError("tree \(t): node \(i) splits at NaN, which no value is below or above")
            }
            guard feature[i] >= 0, feature[i] < featureCount else {
                throw ModelError("tree \(t): node \(i) splits on feature \(feature[i]) "
                                 + "but the model has \(featureCount) features")
            }
        }
        // Breadth-first from the root; a node reached twice means the arrays do not form a tree.
        var order = [0], depthAt = [0]
        var newIndex = [Int](repeating: -1, count: n)
        newIndex[0] = 0
        var deepest = 0
        var q = 0
        while q < order.count {
            let old = order[q]
            if left[old] != -1 {
                for child in [left[old], right[old]] {
                    guard newIndex[child] == -1 else {
                        throw ModelError("tree \(t): node \(child) is reached twice (not a tree)")
                    }
                    newIndex[child] = order.count
                    order.append(child)
                    depthAt.append(depthAt[q] + 1)
                    deepest = max(deepest, depthAt[q] + 1)
                }
            }
            q += 1
        }
        let base = splits.count
        guard base + order.count < Int(Int32.max) else { throw ModelError("model too large") }
        if rights.isEmpty && (base + order.count >= 1 << 24 || 2 * featureCount > 256) { unpack() }
        for (position, old) in order.enumerated() {
            let leaf = left[old] == -1
            let right = UInt32(base + (leaf ? position : newIndex[left[old]]) + 1)
            let split = leaf ? fs_walk_split(threshold: .max, column: 0)
                : fs_walk_split(threshold: RowKeys.key(threshold[old]),
                                column: UInt32(RowKeys.column(feature: feature[old], defaultLeft: defaultLeft[old])))
            if rights.isEmpty {
                splits.append(fs_walk_split(threshold: split.threshold, column: right << 8 | split.column))
            } else {
                splits.append(split)
                rights.append(right)
            }
            values.append(leaf ? threshold[old] : 0)
        }
        treeCount += 1
        if t % TreeEnsemble.group == 0 { groupRoots += repeatElement(0, count: TreeEnsemble.group) }
        groupRoots[t] = UInt32(base)
        if t % TreeEnsemble.group == 0 { groupSteps.append(0) }
        groupSteps[groupSteps.count - 1] = max(groupSteps[groupSteps.count - 1], Int32(deepest))
        blocks.append(left: left, right: right, feature: feature, threshold: threshold, defaultLeft: defaultLeft)
        lanes.append(left: left, right: right, feature: feature, threshold: threshold, defaultLeft: defaultLeft, depth: deepest)
        walksLanes = lanes.usable
    }

    /// Splits and right children in separate arrays, for an ensemble past what packing holds.
    private mutating func unpack() {
        rights = splits.map { $0.column >> 8 }
        splits = splits.map { fs_walk_split(threshold: $0.threshold, column: $0.column & 0xff) }
    }

    /// Batches of at least this many rows go to the block kernel when it runs here (a block costs the
    /// same for 8 rows as for 32).
    static let fewestBlockRows = 8

    /// Whether batches take the block kernel (CPU with AVX2, trees of at most 32 leaves).
    public var scoresBlocks: Bool { blocks.usable }

    /// Whether single rows take the lanes kernel (CPU with AVX2, trees at most 8 deep).
    public var scoresLanes: Bool { walksLanes }

    /// Sum of the leaf values each tree gives `row`, added in Float32 in tree order onto `start`
    /// (XGBoost's accumulation). `row` holds Float32 features, NaN for missing.
    public func sum(_ row: UnsafePointer<Float>, start: Float) -> Float {
        if walksLanes { return lanes.sum(row, start: start) }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * featureCount) { keys in
            RowKeys.fill(keys.baseAddress!, from: row, count: featureCount)
            return walk(keys.baseAddress!, start: start)
        }
    }

    /// `sum` for a row of Double features, each rounded to Float32 first (XGBoost's input type). The
    /// same body as above rather than a shared helper taking the fill as a closure: that cost ~400
    /// instructions of retain/release per /predict (callgrind.sh).
    public func sum(_ row: UnsafePointer<Double>, start: Float) -> Float {
        if walksLanes { return lanes.sum(row, start: start) }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * featureCount) { keys in
            RowKeys.fill(keys.baseAddress!, from: row, count: featureCount)
            return walk(keys.baseAddress!, start: start)
        }
    }

    /// Adds every tree's leaf value to `acc[r]` for `count` rows of `width` Float32 features, each row
    /// adding the trees in order: blocks of rows through the block kernel where it runs, the rest
    /// (and everything elsewhere) walked row by row.
    public func addBatch(_ rows: UnsafePointer<Float>, width: Int, count: Int, into acc: UnsafeMutablePointer<Float>) {
        var done = 0
        if count >= TreeEnsemble.fewestBlockRows && blocks.usable {
            done = addBlocks(rows, width: width, count: count, into: acc)
        }
        guard done < count else { return }
        if walksLanes {
            for r in done..<count { acc[r] = lanes.sum(rows + r * width, start: acc[r]) }
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * featureCount) { keys in
            for r in done..<count {
                RowKeys.fill(keys.baseAddress!, from: rows + r * width, count: featureCount)
                acc[r] = walk(keys.baseAddress!, start: acc[r])
            }
        }
    }

    private func walk(_ keys: UnsafePointer<UInt32>, start: Float) -> Float {
        guard treeCount > 0 else { return start }  // no trees: nothing to add (and no group roots)
        return splits.withUnsafeBufferPointer { sp in
            rights.withUnsafeBufferPointer { rt in
                values.withUnsafeBufferPointer { v in
                    groupRoots.withUnsafeBufferPointer { r in
                        groupSteps.withUnsafeBufferPointer { s in
                            var model = fs_walk_model(split: sp.baseAddress, right: rights.isEmpty ? nil : rt.baseAddress,
                                                      value: v.baseAddress, group_roots: r.baseAddress,
                                                      group_steps: s.baseAddress, group_count: Int32(s.count),
                                                      tree_count: Int32(treeCount))
                            return fs_tree_walk(&model, keys, start)
                        }
                    }
                }
            }
        }
    }

    /// Rows to the block kernel while at least `fewestBlockRows` remain, 32 at a time (the last block
    /// padded); returns how many it scored.
    private func addBlocks(_ rows: UnsafePointer<Float>, width: Int, count: Int, into acc: UnsafeMutablePointer<Float>) -> Int {
        let b = TreeBlocks.rows
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: (2 * featureCount + 1) * b) { buffer in
            let columns = buffer.baseAddress!, sums = columns + 2 * featureCount * b
            var start = 0
            while count - start >= TreeEnsemble.fewestBlockRows {
                let n = min(b, count - start)
                for f in 0..<featureCount {
                    let low = columns + 2 * f * b, high = low + b
                    for r in 0..<n {
                        let x = rows[(start + r) * width + f]
                        low[r] = x.isNaN ? -.infinity : x
                        high[r] = x.isNaN ? .infinity : x
                    }
                    for r in n..<b { low[r] = 0; high[r] = 0 }
                }
                for r in 0..<b { sums[r] = r < n ? acc[start + r] : 0 }
                blocks.add(columns: columns, into: sums)
                for r in 0..<n { acc[start + r] = sums[r] }
                start += n
            }
            return start
        }
    }
}
