#if canImport(Glibc)
import Glibc
#endif

/// A LightGBM model saved with `Booster.save_model` (text format), scored with LightGBM's arithmetic:
/// Doubles, `x <= threshold` goes left, the three missing-value types (None: NaN is 0; Zero: 0 and NaN
/// take the default side; NaN: NaN takes it), categorical splits against `cat_threshold` bitsets,
/// leaf values summed in tree order, then the objective's transform.
public struct LightGBMModel: Model {
    public let featureNames: [String]
    public let output: ModelOutput
    public let objective: String
    public let metadata: ModelMetadata
    /// Applied to the raw sum: sigmoid (binary, cross_entropy), exp (poisson, gamma, tweedie) or none.
    let transform: Transform
    let sigmoid: Double

    enum Transform: Sendable { case identity, sigmoid, exp }

    struct Node: Sendable {
        /// The split threshold, or a leaf's value.
        var threshold: Double
        var feature: Int32
        /// Bit 0 categorical. Numerical nodes fold LightGBM's missing types into two bits: bit 2 says a
        /// zero input is "missing" (type Zero); bit 1 is where a special input goes (NaN, or zero when
        /// bit 2 is set): the default side for types Zero and NaN; for type None, where 0 goes.
        var decision: UInt8
        /// For categorical nodes: index into `catBoundaries`.
        var category: Int32
        /// Child indices into `nodes`; a leaf (decision has `leafFlag`) points to itself.
        var left, right: Int32
    }

    /// Set on leaves.
    static let leafFlag: UInt8 = 8

    /// LightGBM's kZeroThreshold is the Float 1e-35f: inputs this close to zero are scored as zero.
    static let zeroThreshold = Double(Float(1e-35))
    private(set) var nodes: [Node] = []
    /// Per tree: steps from its root to its deepest leaf (the batch walk's step count).
    private(set) var depths: [Int32] = []
    /// No categorical split and no split treating zero as missing: for a row without NaN every
    /// split is then just `x <= threshold` (rows were already snapped to zero near zero).
    private(set) var plainSplits = true
    /// Per tree, its root node (a leaf for a single-leaf tree).
    private(set) var roots: [Int32] = []
    private(set) var catBoundaries: [Int] = []
    private(set) var catBits: [UInt32] = []

    public var treeCount: Int { roots.count }

    /// True if the text looks like a LightGBM model file.
    public static func looksLikeLightGBM(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: Array("tree\n".utf8)) || bytes.starts(with: Array("tree\r\n".utf8))
    }

    public init(text bytes: [UInt8]) throws {
        guard LightGBMModel.looksLikeLightGBM(bytes) else {
            throw ModelError("not a LightGBM text model: it must start with the line \"tree\" (Booster.save_model)")
        }
        var header: [String: Substring] = [:]
        var trees: [[String: Substring]] = []
        let text = String(decoding: bytes, as: UTF8.self)
        var sawEnd = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line == "end of trees" { sawEnd = true; break }
            if line.hasPrefix("Tree=") { trees.append([:]); continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            let value = line[line.index(after: eq)...]
            if trees.isEmpty { header[key] = value } else { trees[trees.count - 1][key] = value }
        }
        guard sawEnd else { throw ModelError("LightGBM model is truncated: no \"end of trees\" line") }
        guard !trees.isEmpty else { throw ModelError("LightGBM model has no trees") }

        let numClass = Int(header["num_class"] ?? "1") ?? 1
        let perIteration = Int(header["num_tree_per_iteration"] ?? "1") ?? 1
        guard numClass == 1, perIteration == 1 else {
            throw ModelError("multi-class LightGBM models are not supported (num_class=\(numClass))")
        }
        guard let names = header["feature_names"]?.split(separator: " ").map(String.init), !names.isEmpty else {
            throw ModelError("LightGBM model has no feature_names line")
        }
        if let maxIndex = header["max_feature_idx"].flatMap({ Int($0) }), maxIndex + 1 != names.count {
            throw ModelError("LightGBM model lists \(names.count) feature names but max_feature_idx is \(maxIndex)")
        }
        featureNames = names

        let objectiveLine = header["objective"] ?? ""
        let objectiveParts = objectiveLine.split(separator: " ")
        objective = objectiveParts.first.map(String.init) ?? ""
        var sigmoidParameter = 1.0
        for part in objectiveParts.dropFirst() where part.hasPrefix("sigmoid:") {
            sigmoidParameter = Double(part.dropFirst("sigmoid:".count)) ?? 1
        }
        sigmoid = sigmoidParameter
        switch objective {
        case "binary", "cross_entropy", "xentropy":
            transform = .sigmoid
            output = .probability
        case "regression", "regression_l2", "regression_l1", "l2", "l1", "mse", "mae", "huber", "fair", "quantile", "mape":
            transform = .identity
            output = .raw
        case "poisson", "gamma", "tweedie":
            transform = .exp
            output = .raw
        default:
            throw ModelError("LightGBM objective \"\(objectiveLine)\" is not supported; supported: binary, "
                             + "cross_entropy, regression (l1, l2, huber, fair, quantile, mape), poisson, gamma, tweedie")
        }
        metadata = ModelMetadata(format: .lightGBMText, objective: objective,
                                 libraryVersion: header["version"].map { "lightgbm model format " + $0 },
                                 treeCount: trees.count, acceptsMissingValues: true)
        for (t, tree) in trees.enumerated() {
            try appendTree(tree, index: t)
        }
    }

    private mutating func appendTree(_ tree: [String: Substring], index t: Int) throws {
        func numbers<T>(_ key: String, _ parse: (Substring) -> T?) throws -> [T] {
            guard let line = tree[key] else { throw ModelError("tree \(t): missing \(key)") }
            return try line.split(separator: " ").map {
                guard let v = parse($0) else { throw ModelError("tree \(t): \(key) holds \"\($0)\"") }
                return v
            }
        }
        if tree["is_linear"] == "1" { throw ModelError("tree \(t): linear trees (linear_tree=true) are not supported") }
        guard let numLeaves = tree["num_leaves"].flatMap({ Int($0) }), numLeaves >= 1 else {
            throw ModelError("tree \(t): missing num_leaves")
        }
        let leafValues = try numbers("leaf_value") { Double($0) }
        guard leafValues.count == numLeaves else { throw ModelError("tree \(t): leaf_value has \(leafValues.count) values, expected \(numLeaves)") }
        if numLeaves == 1 {
            let index = Int32(nodes.count)
            nodes.append(Node(threshold: leafValues[0], feature: 0, decision: LightGBMModel.leafFlag, category: 0,
                              left: index, right: index))
            roots.append(index)
            depths.append(0)
            return
        }
        let internalCount = numLeaves - 1
        let features = try numbers("split_feature") { Int($0) }
        let thresholds = try numbers("threshold") { Double($0) }
        let decisions = try numbers("decision_type") { UInt8($0) }
        let lefts = try numbers("left_child") { Int($0) }
        let rights = try numbers("right_child") { Int($0) }
        for (name, count) in [("split_feature", features.count), ("threshold", thresholds.count),
                              ("decision_type", decisions.count), ("left_child", lefts.count), ("right_child", rights.count)]
        where count != internalCount {
            throw ModelError("tree \(t): \(name) has \(count) values, expected \(internalCount)")
        }
        let numCat = Int(tree["num_cat"] ?? "0") ?? 0
        let catBase = numCat > 0 ? try appendCategories(numCat, boundaries: try numbers("cat_boundaries") { Int($0) },
                                                        bits: try numbers("cat_threshold") { UInt32($0) }, tree: t) : 0
        let nodeBase = nodes.count
        let leafBase = nodeBase + internalCount
        func child(_ c: Int) throws -> Int32 {
            if c < 0 {
                guard ~c < numLeaves else { throw ModelError("tree \(t): leaf index \(~c) out of range") }
                return Int32(leafBase + ~c)
            }
            guard c < internalCount else { throw ModelError("tree \(t): child index \(c) out of range") }
            return Int32(nodeBase + c)
        }
        guard leafBase + numLeaves < Int(Int32.max) else { throw ModelError("model too large") }
        for i in 0..<internalCount {
            guard features[i] >= 0, features[i] < featureNames.count else {
                throw ModelError("tree \(t): node \(i) splits on feature \(features[i]) of \(featureNames.count)")
            }
            var category: Int32 = 0
            if decisions[i] & 1 != 0 {
                let split = thresholds[i]
                guard split >= 0, split < Double(numCat) else {
                    throw ModelError("tree \(t): node \(i) names categorical split \(split) of \(numCat)")
                }
                category = Int32(catBase + Int(split))
            }
            let folded = LightGBMModel.foldDecision(decisions[i], threshold: thresholds[i])
            if folded & 5 != 0 { plainSplits = false }
            nodes.append(Node(threshold: thresholds[i], feature: Int32(features[i]),
                              decision: folded,
                              category: category, left: try child(lefts[i]), right: try child(rights[i])))
        }
        for (k, value) in leafValues.enumerated() {
            let index = Int32(leafBase + k)
            nodes.append(Node(threshold: value, feature: 0, decision: LightGBMModel.leafFlag, category: 0,
                              left: index, right: index))
        }
        depths.append(Int32(try checkIsTree(root: nodeBase, internalCount: internalCount, tree: t)))
        roots.append(Int32(nodeBase))
    }

    /// Appends a tree's categorical bitsets to the model's; returns the index of its first category.
    private mutating func appendCategories(_ numCat: Int, boundaries: [Int], bits: [UInt32], tree t: Int) throws -> Int {
        guard boundaries.count == numCat + 1, boundaries.first == 0, boundaries.last == bits.count,
              zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ModelError("tree \(t): cat_boundaries do not match cat_threshold")
        }
        let catBase = catBoundaries.isEmpty ? 0 : catBoundaries.count - 1
        let bitBase = catBits.count
        if catBoundaries.isEmpty { catBoundaries.append(0) }
        for b in boundaries.dropFirst() { catBoundaries.append(bitBase + b) }
        catBits += bits
        return catBase
    }

    /// Every internal node of the tree (`root..<root+internalCount`) is reached once from the root,
    /// so a walk always ends at a leaf.
    /// Returns the tree's depth (steps from the root to its deepest leaf).
    @discardableResult
    private func checkIsTree(root: Int, internalCount: Int, tree t: Int) throws -> Int {
        var seen = [Bool](repeating: false, count: internalCount)
        var stack = [(root, 0)]
        var deepest = 0
        while let (i, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            guard i < root + internalCount else { continue }  // a leaf
            guard !seen[i - root] else { throw ModelError("tree \(t): node \(i - root) is reached twice (not a tree)") }
            seen[i - root] = true
            stack.append((Int(nodes[i].left), depth + 1))
            stack.append((Int(nodes[i].right), depth + 1))
        }
        return deepest
    }

    /// The sum of the trees' leaf values for one row, before the objective's transform, added in tree
    /// order in Double, as LightGBM does.
    public func raw(_ row: UnsafeBufferPointer<Double>) -> Double {
        precondition(row.count == featureNames.count)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: row.count) { x in
            for i in 0..<row.count {
                // LightGBM's predictor treats |x| <= kZeroThreshold as zero before any split sees it.
                x[i] = abs(row[i]) <= LightGBMModel.zeroThreshold ? 0 : row[i]
            }
            return sum(UnsafePointer(x.baseAddress!))
        }
    }

    private func sum(_ x: UnsafePointer<Double>) -> Double {
        var total = 0.0
        nodes.withUnsafeBufferPointer { nodeBuffer in
            roots.withUnsafeBufferPointer { roots in
                let base = nodeBuffer.baseAddress!
                // One tree at a time, with branches: leaf-wise trees are deep and unbalanced, and walking
                // eight in lockstep as XGBoost's trees are was slower here (5.3 vs 6.3 us a row, measured).
                for root in roots {
                    var node = base[Int(root)]
                    while node.decision & LightGBMModel.leafFlag == 0 {
                        let value = x[Int(node.feature)]
                        node = base[Int(node.decision & 1 == 0 ? numericalChild(node, value) : categoricalChild(node, value))]
                    }
                    total += node.threshold
                }
            }
        }
        return total
    }

    /// Folds a LightGBM `decision_type` into the flags `numericalChild` reads. Missing type None scores
    /// NaN as 0 (so it goes where 0 goes); Zero sends NaN and 0 to the default side; NaN sends NaN there.
    static func foldDecision(_ d: UInt8, threshold: Double) -> UInt8 {
        if d & 1 != 0 { return 1 }
        let missingType = (d >> 2) & 3
        let defaultLeft = (d >> 1) & 1
        switch missingType {
        case 1: return 4 | defaultLeft << 1
        case 2: return defaultLeft << 1
        default: return (0 <= threshold ? 1 : 0) << 1
        }
    }

    /// LightGBM's NumericalDecision on an input already snapped to zero near zero.
    @inline(__always)
    private func numericalChild(_ node: Node, _ x: Double) -> Int32 {
        if x.isNaN || (x == 0 && node.decision & 4 != 0) {
            return node.decision & 2 != 0 ? node.left : node.right
        }
        return x <= node.threshold ? node.left : node.right
    }

    @inline(__always)
    private func categoricalChild(_ node: Node, _ value: Double) -> Int32 {
        // NaN and negative categories go right, as in LightGBM's CategoricalDecision.
        guard !value.isNaN, value > -1, value < 2_147_483_648 else { return node.right }
        let category = Int(value)  // truncates toward zero, like static_cast<int>
        let start = catBoundaries[Int(node.category)]
        let words = catBoundaries[Int(node.category) + 1] - start
        let word = category / 32
        guard word < words else { return node.right }
        return (catBits[start + word] >> UInt32(category % 32)) & 1 == 1 ? node.left : node.right
    }

    public func predict(_ row: UnsafeBufferPointer<Double>) -> Double {
        finish(raw(row))
    }

    @inline(__always)
    private func finish(_ r: Double) -> Double {
        switch transform {
        case .identity: return r
        case .sigmoid: return 1 / (1 + exp(-sigmoid * r))
        case .exp: return exp(r)
        }
    }

    static let lanes = 8
    static let block = 64

    /// Tree-major over blocks of 64 rows: a tree's nodes stay in L1 while the block walks it, eight
    /// rows in lockstep without data-dependent branches (a deep leaf-wise tree mispredicts about every
    /// other branch when walked one row at a time). Each row still adds the trees in order in Double,
    /// so results equal `predict` bit for bit.
    public func predict(rows: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let width = featureNames.count
        precondition(rows.count == out.count * width)
        let block = LightGBMModel.block, lanes = LightGBMModel.lanes
        // One block of snapped rows, then its sums.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: block * width + block) { scratch in
            let x = scratch.baseAddress!, acc = scratch.baseAddress! + block * width
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: lanes) { at in
                withUnsafeTemporaryAllocation(of: Bool.self, capacity: block / lanes) { hasNaN in
                    nodes.withUnsafeBufferPointer { nodeBuffer in
                        let base = nodeBuffer.baseAddress!
                        var start = 0
                        while start < out.count {
                            let n = min(block, out.count - start)
                            // Rows padded to whole groups of eight with copies of the first.
                            let padded = (n + lanes - 1) / lanes * lanes
                            for g in 0..<(padded / lanes) { hasNaN[g] = false }
                            for r in 0..<padded {
                                let source = (start + (r < n ? r : 0)) * width
                                for i in 0..<width {
                                    let v = rows[source + i]
                                    x[r * width + i] = abs(v) <= LightGBMModel.zeroThreshold ? 0 : v
                                    if v.isNaN { hasNaN[r / lanes] = true }
                                }
                                acc[r] = 0
                            }
                            for t in 0..<roots.count {
                                let root = roots[t], steps = depths[t]
                                var group = 0
                                while group < padded {
                                    for k in 0..<lanes { at[k] = root }
                                    let rowsX = UnsafePointer(x + group * width)
                                    if plainSplits && !hasNaN[group / lanes] {
                                        for _ in 0..<steps {
                                            for k in 0..<lanes {
                                                let node = base[Int(at[k])]
                                                at[k] = rowsX[k * width + Int(node.feature)] <= node.threshold ? node.left : node.right
                                            }
                                        }
                                    } else {
                                        for _ in 0..<steps {
                                            for k in 0..<lanes { at[k] = step(base[Int(at[k])], rowsX + k * width) }
                                        }
                                    }
                                    for k in 0..<lanes { acc[group + k] += base[Int(at[k])].threshold }
                                    group += lanes
                                }
                            }
                            for r in 0..<n { out[start + r] = finish(acc[r]) }
                            start += n
                        }
                    }
                }
            }
        }
    }

    /// One step down for one row, without a data-dependent branch for numerical splits. A leaf points
    /// to itself, so stepping one is a no-op.
    @inline(__always)
    private func step(_ node: Node, _ x: UnsafePointer<Double>) -> Int32 {
        let value = x[Int(node.feature)]
        if node.decision & 1 != 0 { return categoricalChild(node, value) }
        let missing = value.isNaN || (value == 0 && node.decision & 4 != 0)
        let left = missing ? node.decision & 2 != 0 : value <= node.threshold
        return left ? node.left : node.right
    }
}
