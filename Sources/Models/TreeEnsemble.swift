/// Binary decision trees flattened into contiguous per-field arrays, walked without recursion or branches.
///
/// Node `i` is `thresholds[i]`, `links[i]` (feature and left child) and `defaultLeft[i]`; nodes are numbered
/// breadth-first per tree, so a split's right child is its left child + 1 and a step is one compare
/// added to one load (each array indexed by the node number with a plain scaled address: no mask,
/// no multiply). A leaf has threshold +inf, goes left on a missing value and is its own left child,
/// so stepping a leaf is a no-op: trees are walked eight at a time for a fixed number of steps (the
/// deepest of the eight), which lets the CPU overlap eight independent chains of loads instead of
/// waiting on one and mispredicting every data-dependent branch. Leaf values are then added in tree
/// order, so the Float32 sum is exactly the library's.
public struct TreeEnsemble: Sendable {

    static let group = 8

    /// Node 0 is a self-looping leaf of value 0 that pads the last group of trees.
    private var thresholds: [Float] = [.infinity]
    /// The feature a node compares and its left child, side by side: one base register fewer in
    /// the walk loops, which keeps all eight walks in registers.
    private var links: [Link] = [Link(feature: 0, left: 0)]
    /// A missing value (NaN) goes left at this node.
    private var defaultLeft: [Bool] = [true]
    /// Per node: a leaf's value (0 for a split).
    public private(set) var values: [Float] = [0]
    /// The node number of each tree's root, in the order the trees are summed.
    public private(set) var roots: [Int32] = []
    /// `roots` in groups of eight, the last group padded with node 0: a walk's start needs no test.
    private var groupRoots: [Int32] = []
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
        let base = thresholds.count
        guard base + order.count < Int(Int32.max) else { throw ModelError("model too large") }
        for (position, old) in order.enumerated() {
            let leaf = left[old] == -1
            thresholds.append(leaf ? .infinity : threshold[old])
            links.append(Link(feature: leaf ? 0 : UInt32(feature[old]),
                              left: Int32(leaf ? base + position : base + newIndex[left[old]])))
            self.defaultLeft.append(leaf || defaultLeft[old])
            values.append(leaf ? threshold[old] : 0)
        }
        roots.append(Int32(base))
        if t % TreeEnsemble.group == 0 { groupRoots += repeatElement(0, count: TreeEnsemble.group) }
        groupRoots[t] = Int32(base)
        if t % TreeEnsemble.group == 0 { groupSteps.append(0) }
        groupSteps[groupSteps.count - 1] = max(groupSteps[groupSteps.count - 1], Int32(deepest))
    }

    private struct Link: Sendable {
        var feature: UInt32
        var left: Int32
    }

    /// The node arrays' storage, for the walks.
    private struct NodeArrays {
        let thresholds: UnsafePointer<Float>
        let links: UnsafePointer<Link>
        let defaultLeft: UnsafePointer<Bool>
        let values: UnsafePointer<Float>
        let groupRoots: UnsafePointer<Int32>
    }

    /// One step down from node `i` for `row`: its left or right child (itself for a leaf).
    @inline(__always)
    private static func step(_ n: NodeArrays, _ i: Int, _ row: UnsafePointer<Float>) -> Int {
        let x = row[Int(n.links[i].feature)]
        // NaN compares false, so it goes left only when the node says so (a leaf always does).
        let less: UInt8 = x < n.thresholds[i] ? 1 : 0
        let missing: UInt8 = x.isNaN && n.defaultLeft[i] ? 1 : 0
        return Int(n.links[i].left) &+ Int(1 &- (less | missing))
    }

    /// `step` for a row whose features are all finite.
    @inline(__always)
    private static func stepPlain(_ n: NodeArrays, _ i: Int, _ row: UnsafePointer<Float>) -> Int {
        // right == left + 1, so the child's index does not wait for a load that depends on the compare.
        // A leaf's +inf threshold keeps every finite x on it.
        let link = n.links[i]
        return Int(link.left) &+ (row[Int(link.feature)] >= n.thresholds[i] ? 1 : 0)
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
        guard !roots.isEmpty else { return }  // no trees: nothing to add (and no group roots)
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: count) { finite in
            // Rows of finite values take the cheaper step (no NaN test, no default direction).
            for r in 0..<count {
                var all = true
                for i in 0..<featureCount where !rows[r * width + i].isFinite { all = false }
                finite[r] = all
            }
            withNodeArrays { n in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: TreeEnsemble.group) { at in
                    walk(n, rows, width: width, count: count, finite: finite.baseAddress!, into: acc, at: at.baseAddress!)
                }
            }
        }
    }

    private func withNodeArrays<R>(_ body: (NodeArrays) -> R) -> R {
        thresholds.withUnsafeBufferPointer { t in
            links.withUnsafeBufferPointer { l in
                defaultLeft.withUnsafeBufferPointer { d in
                    values.withUnsafeBufferPointer { v in
                        groupRoots.withUnsafeBufferPointer { r in
                            body(NodeArrays(thresholds: t.baseAddress!, links: l.baseAddress!, defaultLeft: d.baseAddress!,
                                            values: v.baseAddress!, groupRoots: r.baseAddress!))
                        }
                    }
                }
            }
        }
    }

    /// The group-by-group walk of `addBatch`; `at` holds the eight leaves of a partial group.
    private func walk(_ n: NodeArrays, _ rows: UnsafePointer<Float>, width: Int, count: Int,
                      finite: UnsafePointer<Bool>, into acc: UnsafeMutablePointer<Float>, at: UnsafeMutablePointer<Int>) {
        let lanes = TreeEnsemble.group
        var first = 0
        for steps in groupSteps {
            // Each tree's root; node 0 pads the last group.
            let trees = min(lanes, roots.count - first)
            let start = n.groupRoots + first
            for r in 0..<count {
                let row = rows + r * width
                // The eight walks in locals (registers): an array would put a store and a reload into
                // every step's dependency chain.
                var a0 = Int(start[0]), a1 = Int(start[1]), a2 = Int(start[2]), a3 = Int(start[3])
                var a4 = Int(start[4]), a5 = Int(start[5]), a6 = Int(start[6]), a7 = Int(start[7])
                if finite[r] {
                    for _ in 0..<steps {
                        a0 = TreeEnsemble.stepPlain(n, a0, row); a1 = TreeEnsemble.stepPlain(n, a1, row)
                        a2 = TreeEnsemble.stepPlain(n, a2, row); a3 = TreeEnsemble.stepPlain(n, a3, row)
                        a4 = TreeEnsemble.stepPlain(n, a4, row); a5 = TreeEnsemble.stepPlain(n, a5, row)
                        a6 = TreeEnsemble.stepPlain(n, a6, row); a7 = TreeEnsemble.stepPlain(n, a7, row)
                    }
                } else {
                    for _ in 0..<steps {
                        a0 = TreeEnsemble.step(n, a0, row); a1 = TreeEnsemble.step(n, a1, row)
                        a2 = TreeEnsemble.step(n, a2, row); a3 = TreeEnsemble.step(n, a3, row)
                        a4 = TreeEnsemble.step(n, a4, row); a5 = TreeEnsemble.step(n, a5, row)
                        a6 = TreeEnsemble.step(n, a6, row); a7 = TreeEnsemble.step(n, a7, row)
                    }
                }
                var a = acc[r]
                if trees == lanes {
                    // Straight from the registers, still one tree after the other (Float32 order).
                    a += n.values[a0]; a += n.values[a1]; a += n.values[a2]; a += n.values[a3]
                    a += n.values[a4]; a += n.values[a5]; a += n.values[a6]; a += n.values[a7]
                } else {
                    at[0] = a0; at[1] = a1; at[2] = a2; at[3] = a3
                    at[4] = a4; at[5] = a5; at[6] = a6; at[7] = a7
                    for k in 0..<trees { a += n.values[at[k]] }
                }
                acc[r] = a
            }
            first += lanes
        }
    }
}
