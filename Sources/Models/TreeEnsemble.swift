/// Binary decision trees flattened into one contiguous node array, walked without recursion or branches.
///
/// A node is 16 bytes (threshold, feature, children), so one cache line holds four: a walk touches one
/// line per level instead of one per field. A leaf keeps its value in `threshold` and points to itself,
/// so stepping a leaf is a no-op: trees are walked eight at a time for a fixed number of steps (the
/// deepest of the eight), which lets the CPU overlap eight independent chains of loads instead of
/// waiting on one and mispredicting every data-dependent branch. Leaf values are then added in tree
/// order, so the Float32 sum is exactly the library's.
public struct TreeEnsemble: Sendable {
    public struct Node: Sendable, Equatable {
        public var threshold: Float
        /// Feature index; the top bit set means a missing value (NaN) goes left.
        public var feature: UInt32
        public var left: Int32
        public var right: Int32

        public static let defaultLeftBit: UInt32 = 1 << 31

        public var featureIndex: Int { Int(feature & ~Node.defaultLeftBit) }
        public var defaultLeft: Bool { feature & Node.defaultLeftBit != 0 }
    }

    static let group = 8

    /// Node 0 is a self-looping leaf of value 0 that pads the last group of trees. A leaf has threshold
    /// +inf, takes the default direction, and points to itself: stepping a leaf is a no-op.
    public private(set) var nodes: [Node] = [Node(threshold: .infinity, feature: Node.defaultLeftBit, left: 0, right: 0)]
    /// Per node: a leaf's value (0 for a split).
    public private(set) var values: [Float] = [0]
    /// Index in `nodes` of each tree's root, in the order the trees are summed.
    public private(set) var roots: [Int32] = []
    /// Per group of eight trees: the steps that bring every one of them to a leaf (their max depth).
    private var groupSteps: [Int32] = []
    public let featureCount: Int

    public init(featureCount: Int) {
        self.featureCount = featureCount
    }

    public var treeCount: Int { roots.count }

    /// Adds a tree given in a format's own per-tree arrays, with child indices local to the tree and
    /// `-1` as the left child of a leaf. Checks every index, so evaluation can trust them, and renumbers
    /// the nodes breadth-first so that every split's children are adjacent (right = left + 1).
    public mutating func appendTree(
        left: [Int], right: [Int], feature: [Int], threshold: [Float], defaultLeft: [Bool]
    ) throws {
        let n = left.count
        let t = roots.count
        guard n > 0, right.count == n, feature.count == n, threshold.count == n, defaultLeft.count == n else {
            throw ModelError("tree \(t): node arrays have different lengths")
        }
        for i in 0..<n where left[i] != -1 {
            guard left[i] >= 0, left[i] < n, right[i] >= 0, right[i] < n else {
                throw ModelError("tree \(t): node \(i) has a child index out of range")
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
        let base = nodes.count
        guard base + order.count < Int(Int32.max) else { throw ModelError("model too large") }
        for (position, old) in order.enumerated() {
            let me = Int32(base + position)
            if left[old] == -1 {
                nodes.append(Node(threshold: .infinity, feature: Node.defaultLeftBit, left: me, right: me))
                values.append(threshold[old])
            } else {
                nodes.append(Node(threshold: threshold[old],
                                  feature: UInt32(feature[old]) | (defaultLeft[old] ? Node.defaultLeftBit : 0),
                                  left: Int32(base + newIndex[left[old]]), right: Int32(base + newIndex[right[old]])))
                values.append(0)
            }
        }
        roots.append(Int32(base))
        if t % TreeEnsemble.group == 0 { groupSteps.append(0) }
        groupSteps[groupSteps.count - 1] = max(groupSteps[groupSteps.count - 1], Int32(deepest))
    }

    /// One step down from `index` for `row`: the node's left or right child (itself for a leaf).
    @inline(__always)
    private static func step(_ nodes: UnsafePointer<Node>, _ index: Int32, _ row: UnsafePointer<Float>) -> Int32 {
        let node = nodes[Int(index)]
        let x = row[Int(node.feature & ~Node.defaultLeftBit)]
        // NaN compares false, so it goes left only when the node says so.
        let less: UInt32 = x < node.threshold ? 1 : 0
        let missing: UInt32 = x.isNaN ? 1 : 0
        return (less | (missing & (node.feature >> 31))) != 0 ? node.left : node.right
    }

    /// `step` for a row whose features are all finite.
    @inline(__always)
    private static func stepPlain(_ nodes: UnsafePointer<Node>, _ index: Int32, _ row: UnsafePointer<Float>) -> Int32 {
        let node = nodes[Int(index)]
        // right == left + 1, so the child's index does not wait for a load that depends on the compare.
        // A leaf's +inf threshold keeps every finite x on it.
        return node.left &+ (row[Int(node.feature & ~Node.defaultLeftBit)] >= node.threshold ? 1 : 0)
    }

    /// Sum of the leaf values each tree gives `row`, added in Float32 in tree order onto `start`
    /// (XGBoost's accumulation). `row` holds Float32 features, NaN for missing.
    public func sum(_ row: UnsafePointer<Float>, start: Float) -> Float {
        var acc = start
        addBatch(row, width: 0, count: 1, into: &acc)
        return acc
    }

    /// Adds every tree's leaf value to `acc[r]` for `count` rows of `width` Float32 features, group by
    /// group of eight trees (which stay in L1 while the rows pass), each row adding trees in order.
    public func addBatch(_ rows: UnsafePointer<Float>, width: Int, count: Int, into acc: UnsafeMutablePointer<Float>) {
        let lanes = TreeEnsemble.group
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: count) { finite in
            // Rows of finite values take the cheaper step (no NaN test, no default direction).
            for r in 0..<count {
                var all = true
                for i in 0..<featureCount where !rows[r * width + i].isFinite { all = false }
                finite[r] = all
            }
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * lanes) { scratch in
                // Per group: each tree's root (node 0 pads the last group), then each walk's leaf.
                let start = scratch.baseAddress!, at = scratch.baseAddress! + lanes
                nodes.withUnsafeBufferPointer { nodeBuffer in
                    values.withUnsafeBufferPointer { valueBuffer in
                        let base = nodeBuffer.baseAddress!, leaf = valueBuffer.baseAddress!
                        var first = 0
                        for steps in groupSteps {
                            let trees = min(lanes, roots.count - first)
                            for k in 0..<lanes { start[k] = k < trees ? roots[first + k] : 0 }
                            for r in 0..<count {
                                let row = rows + r * width
                                // The eight walks in locals (registers): an array would put a store and a
                                // reload into every step's dependency chain.
                                var a0 = start[0], a1 = start[1], a2 = start[2], a3 = start[3]
                                var a4 = start[4], a5 = start[5], a6 = start[6], a7 = start[7]
                                if finite[r] {
                                    for _ in 0..<steps {
                                        a0 = TreeEnsemble.stepPlain(base, a0, row); a1 = TreeEnsemble.stepPlain(base, a1, row)
                                        a2 = TreeEnsemble.stepPlain(base, a2, row); a3 = TreeEnsemble.stepPlain(base, a3, row)
                                        a4 = TreeEnsemble.stepPlain(base, a4, row); a5 = TreeEnsemble.stepPlain(base, a5, row)
                                        a6 = TreeEnsemble.stepPlain(base, a6, row); a7 = TreeEnsemble.stepPlain(base, a7, row)
                                    }
                                } else {
                                    for _ in 0..<steps {
                                        a0 = TreeEnsemble.step(base, a0, row); a1 = TreeEnsemble.step(base, a1, row)
                                        a2 = TreeEnsemble.step(base, a2, row); a3 = TreeEnsemble.step(base, a3, row)
                                        a4 = TreeEnsemble.step(base, a4, row); a5 = TreeEnsemble.step(base, a5, row)
                                        a6 = TreeEnsemble.step(base, a6, row); a7 = TreeEnsemble.step(base, a7, row)
                                    }
                                }
                                at[0] = a0; at[1] = a1; at[2] = a2; at[3] = a3
                                at[4] = a4; at[5] = a5; at[6] = a6; at[7] = a7
                                var a = acc[r]
                                for k in 0..<trees { a += leaf[Int(at[k])] }
                                acc[r] = a
                            }
                            first += lanes
                        }
                    }
                }
            }
        }
    }
}
