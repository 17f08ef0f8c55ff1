/// Binary decision trees flattened into one contiguous node array, walked without recursion.
///
/// A node is 16 bytes (threshold, feature, children) so one cache line holds four of them: a walk
/// touches one line per level instead of one per field, which beats separate arrays per field here.
/// Leaves have `left == -1` and keep their value in `threshold`.
public struct TreeEnsemble: Sendable {
    public struct Node: Sendable, Equatable {
        public var threshold: Float
        /// Feature index; the top bit set means a missing value (NaN) goes left.
        public var feature: UInt32
        public var left: Int32
        public var right: Int32

        public static let defaultLeftBit: UInt32 = 1 << 31

        public var isLeaf: Bool { left == -1 }
        public var featureIndex: Int { Int(feature & ~Node.defaultLeftBit) }
        public var defaultLeft: Bool { feature & Node.defaultLeftBit != 0 }
    }

    public private(set) var nodes: [Node] = []
    /// Index in `nodes` of each tree's root, in the order the trees are summed.
    public private(set) var roots: [Int32] = []
    public let featureCount: Int

    public init(featureCount: Int) {
        self.featureCount = featureCount
    }

    public var treeCount: Int { roots.count }

    /// Adds a tree given in a format's own per-tree arrays, with child indices local to the tree.
    /// Checks every index, so evaluation can trust them.
    public mutating func appendTree(
        left: [Int], right: [Int], feature: [Int], threshold: [Float], defaultLeft: [Bool]
    ) throws {
        let n = left.count
        guard n > 0, right.count == n, feature.count == n, threshold.count == n, defaultLeft.count == n else {
            throw ModelError("tree \(roots.count): node arrays have different lengths")
        }
        let base = nodes.count
        guard base + n < Int(Int32.max) else { throw ModelError("model too large") }
        roots.append(Int32(base))
        nodes.reserveCapacity(base + n)
        for i in 0..<n {
            if left[i] == -1 {
                nodes.append(Node(threshold: threshold[i], feature: 0, left: -1, right: -1))
                continue
            }
            guard left[i] >= 0, left[i] < n, right[i] >= 0, right[i] < n else {
                throw ModelError("tree \(roots.count - 1): node \(i) has a child index out of range")
            }
            guard feature[i] >= 0, feature[i] < featureCount else {
                throw ModelError("tree \(roots.count - 1): node \(i) splits on feature \(feature[i]) "
                                 + "but the model has \(featureCount) features")
            }
            nodes.append(Node(threshold: threshold[i],
                              feature: UInt32(feature[i]) | (defaultLeft[i] ? Node.defaultLeftBit : 0),
                              left: Int32(base + left[i]), right: Int32(base + right[i])))
        }
        try checkIsTree(base: base, count: n)
    }

    /// Every node reachable from the root is reached once: no cycles, no shared children,
    /// so a walk always ends at a leaf.
    private func checkIsTree(base: Int, count: Int) throws {
        var seen = [Bool](repeating: false, count: count)
        var stack = [0]
        while let local = stack.popLast() {
            guard !seen[local] else {
                throw ModelError("tree \(roots.count - 1): node \(local) is reached twice (not a tree)")
            }
            seen[local] = true
            let node = nodes[base + local]
            if !node.isLeaf {
                stack.append(Int(node.left) - base)
                stack.append(Int(node.right) - base)
            }
        }
    }

    /// Sum of the leaf values each tree gives `row`, added in Float32 in tree order onto `start`
    /// (XGBoost's accumulation). `row` holds Float32 features, NaN for missing.
    @inline(__always)
    public func sum(_ row: UnsafePointer<Float>, start: Float) -> Float {
        var acc = start
        nodes.withUnsafeBufferPointer { nodeBuffer in
            roots.withUnsafeBufferPointer { roots in
                let base = nodeBuffer.baseAddress!
                for root in roots {
                    var node = base[Int(root)]
                    while node.left >= 0 {
                        let x = row[Int(node.feature & ~Node.defaultLeftBit)]
                        // Branch-free: the direction is data-dependent and would mispredict half the
                        // time. NaN compares false, so it goes left only when the node says so.
                        let less: UInt32 = x < node.threshold ? 1 : 0
                        let missing: UInt32 = x.isNaN ? 1 : 0
                        let goLeft = less | (missing & (node.feature >> 31))
                        node = base[Int(goLeft != 0 ? node.left : node.right)]
                    }
                    acc += node.threshold
                }
            }
        }
        return acc
    }
}
