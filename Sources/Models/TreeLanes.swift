import CTreeKernels

/// A tree ensemble in the form of the lanes kernel (CTreeKernels' tree_lanes.h): one row through
/// eight trees at a time, one per AVX2 lane, each group of eight laid out as complete trees of the
/// group's depth. `fits` turns false for a tree deeper than `maxDepth` (a complete tree of that depth
/// would be mostly padding); the ensemble is then walked (tree_walk.h).
struct TreeLanes: Sendable {
    static let lanes = Int(FS_LANES)
    static let maxDepth = Int(FS_LANES_MAX_DEPTH)
    /// Threshold of a position that sends every row left: above every flipped key.
    private static let alwaysLeft = Int32.max

    private struct Tree: Sendable {
        var left: [Int], right: [Int], feature: [Int], threshold: [Float], defaultLeft: [Bool], depth: Int
    }

    private var nodes: [Int32] = []
    private var leaves: [Float] = []
    private var groups: [fs_lanes_group] = []
    /// The key column of each column index the splits use, in order of first use.
    private var columns: [Int32] = []
    /// Column index per key column, -1 until a split uses it.
    private var columnIndex: [Int]
    /// The trees of the last group, laid out again as each one joins (its depth may grow).
    private var open: [Tree] = []
    private(set) var fits = true
    init(featureCount: Int) {
        columnIndex = [Int](repeating: -1, count: 2 * featureCount)
    }

    /// The kernel runs here and takes this ensemble.
    var usable: Bool { fits && !groups.isEmpty && fs_tree_block_available() != 0 }

    /// Adds a tree already checked by `TreeEnsemble.appendTree` (indices in range, a tree from node 0)
    /// whose deepest leaf is `depth` steps from its root.
    mutating func append(left: [Int], right: [Int], feature: [Int], threshold: [Float], defaultLeft: [Bool], depth: Int) {
        guard fits else { return }
        guard depth <= TreeLanes.maxDepth else { return drop() }
        if open.count == TreeLanes.lanes { open = [] }
        if !open.isEmpty {
            let g = groups.removeLast()
            nodes.removeSubrange(Int(g.node_offset)...)
            leaves.removeSubrange(Int(g.leaf_offset)...)
        }
        open.append(Tree(left: left, right: right, feature: feature, threshold: threshold, defaultLeft: defaultLeft, depth: depth))
        layOut()
    }

    /// The open trees as the last group: per position eight thresholds, then as many column indices,
    /// then per leaf slot eight values.
    private mutating func layOut() {
        let depth = open.map(\.depth).max()!
        let positions = (1 << depth) - 1, lanes = TreeLanes.lanes
        let nodeBase = nodes.count, leafBase = leaves.count, plane = positions * lanes
        nodes += repeatElement(TreeLanes.alwaysLeft, count: plane)
        nodes += repeatElement(0, count: plane)
        leaves += repeatElement(0, count: (positions + 1) * lanes)
        for (lane, t) in open.enumerated() {
            // (node, position) pairs; a leaf above the last level is carried down its left side.
            var stack = [(0, 0)]
            while let (i, p) = stack.popLast() {
                if p >= positions {
                    leaves[leafBase + (p - positions) * lanes + lane] = t.threshold[i]
                } else if t.left[i] == -1 {
                    stack.append((i, 2 * p + 1))
                } else {
                    let at = nodeBase + p * lanes + lane
                    nodes[at] = Int32(bitPattern: RowKeys.key(t.threshold[i]) ^ 0x8000_0000)
                    nodes[at + plane] = Int32(index(RowKeys.column(feature: t.feature[i], defaultLeft: t.defaultLeft[i])))
                    stack += [(t.left[i], 2 * p + 1), (t.right[i], 2 * p + 2)]
                }
            }
        }
        groups.append(fs_lanes_group(node_offset: Int32(nodeBase), leaf_offset: Int32(leafBase),
                                     depth: Int32(depth), trees: Int32(open.count)))
    }

    /// The column index of key column `column`, given one at its first use.
    private mutating func index(_ column: Int) -> Int {
        if columnIndex[column] < 0 {
            columnIndex[column] = columns.count
            columns.append(Int32(column))
        }
        return columnIndex[column]
    }

    private mutating func drop() {
        fits = false
        nodes = []; leaves = []; groups = []; open = []; columns = []; columnIndex = []
    }

    /// `start` plus every tree's leaf value for `row` (Float32 features, NaN for missing), in tree order.
    func sum(_ row: UnsafePointer<Float>, start: Float) -> Float {
        withModel { fs_tree_lanes_f32($0, row, start) }
    }

    /// The same for a row of Double features, each rounded to Float32 first (XGBoost's input type).
    func sum(_ row: UnsafePointer<Double>, start: Float) -> Float {
        withModel { fs_tree_lanes_f64($0, row, start) }
    }

    @inline(__always)
    private func withModel(_ body: (UnsafePointer<fs_lanes_model>) -> Float) -> Float {
        nodes.withUnsafeBufferPointer { n in
            leaves.withUnsafeBufferPointer { l in
                groups.withUnsafeBufferPointer { g in
                    columns.withUnsafeBufferPointer { c in
                        var model = fs_lanes_model(nodes: n.baseAddress, leaves: l.baseAddress, groups: g.baseAddress,
                                                   group_count: Int32(g.count), columns: c.baseAddress,
                                                   column_count: Int32(c.count))
                        return body(&model)
                    }
                }
            }
        }
    }
}
