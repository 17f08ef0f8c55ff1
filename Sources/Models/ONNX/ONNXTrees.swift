/// ai.onnx.ml TreeEnsembleClassifier / TreeEnsembleRegressor → `TreeEnsemble`.
///
/// Every split becomes `x < threshold` in Float: `x <= v` is `x < v.nextUp`, and GTE / GT swap the
/// children. NaN takes the false branch unless `nodes_missing_value_tracks_true` says otherwise, as in
/// onnxruntime. A binary classifier scores the positive class: with weights for one class id only
/// (skl2onnx's binary form) that class's sum is P(class 1) before the post transform; with both, the
/// class-1 sum (its difference to class 0 under SOFTMAX).
enum ONNXTrees {
    struct Built {
        var ensemble: TreeEnsemble
        var base: Float
        var average: Bool
    }

    /// The split nodes' attributes, one entry per node.
    private struct Nodes {
        var treeIDs: [Int64], nodeIDs: [Int64], featureIDs: [Int64], trueIDs: [Int64], falseIDs: [Int64]
        var modes: [String], values: [Float], tracksTrue: [Int64]
        var count: Int { treeIDs.count }
    }

    static func build(_ node: ONNXGraph.Node, width: Int, classifier: Bool) throws -> Built {
        let nodes = try splitNodes(node)
        let (leaf, base) = try positiveLeaves(node, classifier: classifier)
        let aggregate = node.string("aggregate_function") ?? "SUM"
        guard aggregate == "SUM" || aggregate == "AVERAGE" else {
            throw ModelError("\(node.qualifiedName) aggregate_function \(aggregate) is not supported (SUM, AVERAGE)")
        }
        // Nodes grouped by tree, trees in the order they first appear.
        var order: [Int64] = []
        var members: [Int64: [Int]] = [:]
        for i in 0..<nodes.count {
            if members[nodes.treeIDs[i]] == nil { order.append(nodes.treeIDs[i]) }
            members[nodes.treeIDs[i], default: []].append(i)
        }
        var ensemble = TreeEnsemble(featureCount: width)
        for tree in order {
            try appendTree(tree, rows: members[tree]!, nodes: nodes, leaf: leaf[tree] ?? [:], width: width,
                           name: node.qualifiedName, into: &ensemble)
        }
        return Built(ensemble: ensemble, base: base, average: aggregate == "AVERAGE")
    }

    private static func splitNodes(_ node: ONNXGraph.Node) throws -> Nodes {
        func ints(_ name: String) throws -> [Int64] { try node.required(node.ints(name), name) }
        guard let values = node.floats("nodes_values") else {
            throw ModelError("\(node.qualifiedName) without nodes_values (double thresholds) is not supported")
        }
        let nodes = Nodes(treeIDs: try ints("nodes_treeids"), nodeIDs: try ints("nodes_nodeids"),
                          featureIDs: try ints("nodes_featureids"), trueIDs: try ints("nodes_truenodeids"),
                          falseIDs: try ints("nodes_falsenodeids"),
                          modes: try node.required(node.strings("nodes_modes"), "nodes_modes"), values: values,
                          tracksTrue: node.ints("nodes_missing_value_tracks_true") ?? [])
        let n = nodes.count
        guard [nodes.nodeIDs.count, nodes.featureIDs.count, nodes.trueIDs.count, nodes.falseIDs.count, nodes.modes.count,
               values.count].allSatisfy({ $0 == n }) else {
            throw ModelError("\(node.qualifiedName): its nodes_* arrays have different lengths")
        }
        return nodes
    }

    /// Leaf values of the positive class by tree and node, and the base value.
    private static func positiveLeaves(_ node: ONNXGraph.Node, classifier: Bool) throws
        -> (leaf: [Int64: [Int64: Float]], base: Float) {
        func ints(_ name: String) throws -> [Int64] { try node.required(node.ints(name), name) }
        let prefix = classifier ? "class" : "target"
        let leafTrees = try ints("\(prefix)_treeids"), leafNodes = try ints("\(prefix)_nodeids")
        let leafIDs = try ints("\(prefix)_ids")
        let weights = try node.required(node.floats("\(prefix)_weights"), "\(prefix)_weights")
        guard leafNodes.count == leafTrees.count, leafIDs.count == leafTrees.count, weights.count == leafTrees.count else {
            throw ModelError("\(node.qualifiedName): its \(prefix)_* arrays have different lengths")
        }
        let classes = Set(leafIDs)
        let softmax = (node.string("post_transform") ?? "NONE").hasPrefix("SOFTMAX")
        var leaf: [Int64: [Int64: Float]] = [:]
        for k in 0..<leafTrees.count {
            let w: Float
            if !classifier || classes.count == 1 {
                w = weights[k]
            } else if leafIDs[k] == 1 {
                w = weights[k]
            } else if leafIDs[k] == 0 {
                w = softmax ? -weights[k] : 0
            } else {
                throw ModelError("\(node.qualifiedName): class id \(leafIDs[k]) in a binary classifier")
            }
            leaf[leafTrees[k], default: [:]][leafNodes[k], default: 0] += w
        }
        let baseValues = node.floats("base_values") ?? []
        var base: Float = 0
        if classifier && classes.count == 2 && baseValues.count == 2 {
            base = softmax ? baseValues[1] - baseValues[0] : baseValues[1]
        } else if let first = baseValues.first {
            base = first
        }
        return (leaf, base)
    }

    /// One tree's nodes as `x < threshold` splits, root first (TreeEnsemble walks from index 0).
    private static func appendTree(_ tree: Int64, rows: [Int], nodes: Nodes, leaf: [Int64: Float], width: Int,
                                   name: String, into ensemble: inout TreeEnsemble) throws {
        var rows = rows
        // The root is the node no other node points to.
        let children = Set(rows.flatMap { nodes.modes[$0] == "LEAF" ? [] : [nodes.trueIDs[$0], nodes.falseIDs[$0]] })
        if let r = rows.firstIndex(where: { !children.contains(nodes.nodeIDs[$0]) }), r != 0 { rows.swapAt(0, r) }
        var local: [Int64: Int] = [:]
        for (position, i) in rows.enumerated() { local[nodes.nodeIDs[i]] = position }
        var left: [Int] = [], right: [Int] = [], feature: [Int] = [], threshold: [Float] = [], defaultLeft: [Bool] = []
        for i in rows {
            if nodes.modes[i] == "LEAF" {
                left.append(-1); right.append(-1); feature.append(0); defaultLeft.append(false)
                threshold.append(leaf[nodes.nodeIDs[i]] ?? 0)
                continue
            }
            guard let t = local[nodes.trueIDs[i]], let f = local[nodes.falseIDs[i]] else {
                throw ModelError("\(name): tree \(tree) node \(nodes.nodeIDs[i]) points to a missing node")
            }
            guard nodes.featureIDs[i] >= 0, nodes.featureIDs[i] < width else {
                throw ModelError("\(name): tree \(tree) splits on feature \(nodes.featureIDs[i]) of \(width)")
            }
            let missingTrue = i < nodes.tracksTrue.count && nodes.tracksTrue[i] != 0
            let v = nodes.values[i]
            let (lessGoesTrue, limit): (Bool, Float)
            switch nodes.modes[i] {
            case "BRANCH_LEQ": (lessGoesTrue, limit) = (true, v.nextUp)
            case "BRANCH_LT": (lessGoesTrue, limit) = (true, v)
            case "BRANCH_GTE": (lessGoesTrue, limit) = (false, v)
            case "BRANCH_GT": (lessGoesTrue, limit) = (false, v.nextUp)
            case let mode:
                throw ModelError("\(name): split mode \(mode) is not supported (BRANCH_LEQ, LT, GTE, GT)")
            }
            left.append(lessGoesTrue ? t : f)
            right.append(lessGoesTrue ? f : t)
            feature.append(Int(nodes.featureIDs[i]))
            threshold.append(limit)
            // NaN goes to the false branch unless the node tracks missing values to the true one.
            defaultLeft.append(lessGoesTrue ? missingTrue : !missingTrue)
        }
        try ensemble.appendTree(left: left, right: right, feature: feature, threshold: threshold, defaultLeft: defaultLeft)
    }
}
