import CTreeKernels

/// A tree ensemble in the form of the block kernel (CTreeKernels): per split the column it compares,
/// its threshold and the leaves of its left subtree (leaves numbered left to right); per tree 32 leaf
/// values. A missing value is encoded in the columns, not in the splits: each feature has two, NaN as
/// -inf for splits that send it left and as +inf for splits that send it right, so one ordered
/// compare `x >= threshold` decides every split exactly as `x < threshold` with a default direction.
/// `fits` turns false for a tree of more than 32 leaves or a -inf threshold (which that encoding cannot
/// honour); the ensemble is then walked row by row only.
struct TreeBlocks: Sendable {
    static let rows = Int(FS_TREE_BLOCK_ROWS)
    static let maxLeaves = 32

    private var splitStart: [Int32] = [0]
    private var column: [UInt32] = []
    private var threshold: [Float] = []
    private var leftLeaves: [UInt32] = []
    private var leafValues: [Float] = []
    private(set) var fits = true

    /// The kernel runs here and takes this ensemble.
    var usable: Bool { fits && fs_tree_block_available() != 0 }

    /// Adds a tree already checked by `TreeEnsemble.appendTree` (indices in range, a tree from node 0).
    mutating func append(left: [Int], right: [Int], feature: [Int], threshold: [Float], defaultLeft: [Bool]) {
        guard fits else { return }
        let n = left.count
        // Leaf ranges [first, end) per node, leaves numbered in order: a node's left subtree is
        // walked completely before its right one.
        var first = [Int](repeating: 0, count: n), end = [Int](repeating: 0, count: n)
        var values: [Float] = []
        var stack = [(node: 0, expanded: false)]
        while let (i, expanded) = stack.popLast() {
            if left[i] == -1 {
                first[i] = values.count
                values.append(threshold[i])
                end[i] = values.count
            } else if expanded {
                first[i] = first[left[i]]
                end[i] = end[right[i]]
            } else {
                stack.append((i, true))
                stack.append((right[i], false))
                stack.append((left[i], false))
            }
        }
        guard values.count <= TreeBlocks.maxLeaves else { return drop() }
        for i in 0..<n where left[i] != -1 && end[i] > 0 {  // reached splits (end > 0: every subtree has a leaf)
            let t = threshold[i]
            guard t != -.infinity else { return drop() }  // NaN is refused by appendTree
            let l = left[i]
            // Bits first ..< end: the left subtree's leaves (at most 31: the right subtree has one).
            let mask = ((UInt32(1) << UInt32(end[l] - first[l])) &- 1) << UInt32(first[l])
            column.append(UInt32(RowKeys.column(feature: feature[i], defaultLeft: defaultLeft[i]) * TreeBlocks.rows))
            self.threshold.append(t)
            leftLeaves.append(mask)
        }
        splitStart.append(Int32(column.count))
        leafValues += values + repeatElement(0, count: TreeBlocks.maxLeaves - values.count)
    }

    private mutating func drop() {
        fits = false
        splitStart = []; column = []; threshold = []; leftLeaves = []; leafValues = []
    }

    /// Adds every tree's leaf value to `acc[0..<rows]` for one block of rows given as columns: column
    /// `2f` is feature f with NaN as -inf, `2f + 1` with NaN as +inf, each `rows` Float32 long.
    func add(columns: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>) {
        splitStart.withUnsafeBufferPointer { s in
            column.withUnsafeBufferPointer { c in
                threshold.withUnsafeBufferPointer { t in
                    leftLeaves.withUnsafeBufferPointer { l in
                        leafValues.withUnsafeBufferPointer { v in
                            var model = fs_tree_block_model(
                                tree_count: Int32(s.count - 1), split_start: s.baseAddress, column: c.baseAddress,
                                threshold: t.baseAddress, left_leaves: l.baseAddress, leaf_values: v.baseAddress)
                            fs_tree_block_add(&model, columns, acc)
                        }
                    }
                }
            }
        }
    }
}
