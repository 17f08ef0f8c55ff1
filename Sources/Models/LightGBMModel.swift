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
        var threshold: Double
        var feature: Int32
        /// Bit 0 categorical, bit 1 default-left, bits 2-3 missing type (0 None, 1 Zero, 2 NaN).
        var decision: UInt8
        /// For categorical nodes: index into `catBoundaries`.
        var category: Int32
        /// Child indices into `nodes`; a leaf is encoded as `-(leafIndex + 1)` into `leaves`.
        var left: Int32
        var right: Int32
    }

    private(set) var nodes: [Node] = []
    private(set) var leaves: [Double] = []
    /// Per tree: the root node index, or `-(leafIndex + 1)` for a single-leaf tree.
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
        let leafBase = leaves.count
        leaves += leafValues
        if numLeaves == 1 {
            roots.append(-Int32(leafBase + 1))
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
        // Categorical bitsets of this tree, appended to the model's.
        let numCat = Int(tree["num_cat"] ?? "0") ?? 0
        var catBase = 0
        if numCat > 0 {
            let boundaries = try numbers("cat_boundaries") { Int($0) }
            let bits = try numbers("cat_threshold") { UInt32($0) }
            guard boundaries.count == numCat + 1, boundaries.first == 0, boundaries.last == bits.count,
                  zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw ModelError("tree \(t): cat_boundaries do not match cat_threshold")
            }
            catBase = catBoundaries.isEmpty ? 0 : catBoundaries.count - 1
            let bitBase = catBits.count
            if catBoundaries.isEmpty { catBoundaries.append(0) }
            for b in boundaries.dropFirst() { catBoundaries.append(bitBase + b) }
            catBits += bits
        }
        let nodeBase = nodes.count
        func child(_ c: Int) throws -> Int32 {
            if c < 0 {
                guard ~c < numLeaves else { throw ModelError("tree \(t): leaf index \(~c) out of range") }
                return -Int32(leafBase + ~c + 1)
            }
            guard c < internalCount else { throw ModelError("tree \(t): child index \(c) out of range") }
            return Int32(nodeBase + c)
        }
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
                let c = Int(split)
                guard c >= 0, c < numCat else { throw ModelError("tree \(t): node \(i) names categorical split \(c) of \(numCat)") }
                category = Int32(catBase + c)
            }
            nodes.append(Node(threshold: thresholds[i], feature: Int32(features[i]), decision: decisions[i],
                              category: category, left: try child(lefts[i]), right: try child(rights[i])))
        }
        try checkIsTree(root: nodeBase, count: internalCount, tree: t)
        roots.append(Int32(nodeBase))
    }

    /// Every internal node is reached once from the root, so a walk ends at a leaf.
    private func checkIsTree(root: Int, count: Int, tree t: Int) throws {
        var seen = [Bool](repeating: false, count: count)
        var stack = [root]
        while let i = stack.popLast() {
            guard !seen[i - root] else { throw ModelError("tree \(t): node \(i - root) is reached twice (not a tree)") }
            seen[i - root] = true
            for c in [nodes[i].left, nodes[i].right] where c >= 0 { stack.append(Int(c)) }
        }
    }

    /// The sum of the trees' leaf values for one row, before the objective's transform.
    public func raw(_ row: UnsafeBufferPointer<Double>) -> Double {
        precondition(row.count == featureNames.count)
        var sum = 0.0
        nodes.withUnsafeBufferPointer { nodes in
            for root in roots {
                var i = root
                while i >= 0 {
                    let node = nodes[Int(i)]
                    i = node.decision & 1 == 0
                        ? numericalChild(node, row[Int(node.feature)])
                        : categoricalChild(node, row[Int(node.feature)])
                }
                sum += leaves[Int(-i - 1)]
            }
        }
        return sum
    }

    @inline(__always)
    private func numericalChild(_ node: Node, _ value: Double) -> Int32 {
        let missingType = (node.decision >> 2) & 3
        var x = value
        if x.isNaN && missingType != 2 { x = 0 }
        if (missingType == 1 && abs(x) <= 1e-35) || (missingType == 2 && x.isNaN) {
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
        let r = raw(row)
        switch transform {
        case .identity: return r
        case .sigmoid: return 1 / (1 + exp(-sigmoid * r))
        case .exp: return exp(r)
        }
    }
}
