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

    /// Node 0 is a self-looping leaf of value 0 that pads the last group of trees.
    public private(set) var nodes: [Node] = [Node(threshold: 0, feature: 0, left: 0, right: 0)]
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
    /// `-1` as the left child of a leaf. Checks every index, so evaluation can trust them.
    public mutating func appendTree(
        left: [Int], right: [Int], feature: [Int], threshold: [Float], defaultLeft: [Bool]
    ) throws {
        let n = left.count
        let t = roots.count
        guard n > 0, right.count == n, feature.count == n, threshold.count == n, defaultLeft.count == n else {
            throw ModelError("tree \(t): node arrays have different lengths")
        }
        let base = nodes.count
        guard base + n < Int(Int32.max) else { throw ModelError("model too large") }
        var tree: [Node] = []
        tree.reserveCapacity(n)
        for i in 0..<n {
            if left[i] == -1 {
                tree.append(Node(threshold: threshold[i], feature: 0, left: Int32(base + i), right: Int32(base + i)))
                continue
            }
            guard left[i] >= 0, left[i] < n, right[i] >= 0, right[i] < n else {
                throw ModelError("tree \(t): node \(i) has a child index out of range")
            }
            guard feature[i] >= 0, feature[i] < featureCount else {
                throw ModelError("tree \(t): node \(i) splits on feature \(feature[i]) "
                                 + "but the model has \(featureCount) features")
            }
            tree.append(Node(threshold: threshold[i],
                             feature: UInt32(feature[i]) | (defaultLeft[i] ? Node.defaultLeftBit : 0),
                             left: Int32(base + left[i]), right: Int32(base + right[i])))
        }
        let depth = try TreeEnsemble.depth(of: tree, isLeaf: left.map { $0 == -1 }, base: base, tree: t)
        nodes += tree
        roots.append(Int32(base))
        if t % TreeEnsemble.group == 0 { groupSteps.append(0) }
        groupSteps[groupSteps.count - 1] = max(groupSteps[groupSteps.count - 1], Int32(depth))
    }

    /// The tree's depth, after checking that every node is reached once from the root: no cycles,
    /// no shared children, so a walk always ends at a leaf.
    private static func depth(of tree: [Node], isLeaf: [Bool], base: Int, tree t: Int) throws -> Int {
        var seen = [Bool](repeating: false, count: tree.count)
        var stack = [(0, 0)]
        var deepest = 0
        while let (local, depth) = stack.popLast() {
            guard !seen[local] else { throw ModelError("tree \(t): node \(local) is reached twice (not a tree)") }
            seen[local] = true
            deepest = max(deepest, depth)
            if !isLeaf[local] {
                stack.append((Int(tree[local].left) - base, depth + 1))
                stack.append((Int(tree[local].right) - base, depth + 1))
            }
        }
        return deepest
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
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: lanes) { start in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: lanes) { at in
                nodes.withUnsafeBufferPointer { nodeBuffer in
                    roots.withUnsafeBufferPointer { roots in
                        let base = nodeBuffer.baseAddress!
                        var g = 0
                        var first = 0
                        while first < roots.count {
                            let trees = min(lanes, roots.count - first)
                            for k in 0..<lanes { start[k] = k < trees ? roots[first + k] : 0 }
                            let steps = groupSteps[g]
                            for r in 0..<count {
                                let row = rows + r * width
                                for k in 0..<lanes { at[k] = start[k] }
                                for _ in 0..<steps {
                                    for k in 0..<lanes { at[k] = TreeEnsemble.step(base, at[k], row) }
                                }
                                var a = acc[r]
                                for k in 0..<trees { a += base[Int(at[k])].threshold }
                                acc[r] = a
                            }
                            first += lanes
                            g += 1
                        }
                    }
                }
            }
        }
    }
}
