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

    static func build(_ node: ONNXGraph.Node, width: Int, classifier: Bool) throws -> Built {
        func ints(_ name: String) throws -> [Int64] { try node.required(node.ints(name), name) }
        let treeIDs = try ints("nodes_treeids"), nodeIDs = try ints("nodes_nodeids")
        let featureIDs = try ints("nodes_featureids")
        let trueIDs = try ints("nodes_truenodeids"), falseIDs = try ints("nodes_falsenodeids")
        let modes = try node.required(node.strings("nodes_modes"), "nodes_modes")
        guard let values = node.floats("nodes_values") else {
            throw ModelError("\(node.qualifiedName) without nodes_values (double thresholds) is not supported")
        }
        let n = treeIDs.count
        guard [nodeIDs.count, featureIDs.count, trueIDs.count, falseIDs.count, modes.count, values.count].allSatisfy({ $0 == n }) else {
            throw ModelError("\(node.qualifiedName): its nodes_* arrays have different lengths")
        }
        let tracksTrue = node.ints("nodes_missing_value_tracks_true") ?? []
        let prefix = classifier ? "class" : "target"
        let leafTrees = try ints("\(prefix)_treeids"), leafNodes = try ints("\(prefix)_nodeids")
        let leafIDs = try ints("\(prefix)_ids")
        let weights = try node.required(node.floats("\(prefix)_weights"), "\(prefix)_weights")
        guard leafNodes.count == leafTrees.count, leafIDs.count == leafTrees.count, weights.count == leafTrees.count else {
            throw ModelError("\(node.qualifiedName): its \(prefix)_* arrays have different lengths")
        }
        let classes = Set(leafIDs)
        let softmax = (node.string("post_transform") ?? "NONE").hasPrefix("SOFTMAX")
        // Leaf values of the positive class.
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
        let aggregate = node.string("aggregate_function") ?? "SUM"
        guard aggregate == "SUM" || aggregate == "AVERAGE" else {
            throw ModelError("\(node.qualifiedName) aggregate_function \(aggregate) is not supported (SUM, AVERAGE)")
        }

        // Nodes grouped by tree, trees in the order they first appear.
        var order: [Int64] = []
        var members: [Int64: [Int]] = [:]
        for i in 0..<n {
            if members[treeIDs[i]] == nil { order.append(treeIDs[i]) }
            members[treeIDs[i], default: []].append(i)
        }
        var ensemble = TreeEnsemble(featureCount: width)
        for tree in order {
            var rows = members[tree]!
            // The root (the node no other node points to) goes first: TreeEnsemble walks from index 0.
            let children = Set(rows.flatMap { modes[$0] == "LEAF" ? [] : [trueIDs[$0], falseIDs[$0]] })
            if let r = rows.firstIndex(where: { !children.contains(nodeIDs[$0]) }), r != 0 { rows.swapAt(0, r) }
            var local: [Int64: Int] = [:]
            for (position, i) in rows.enumerated() { local[nodeIDs[i]] = position }
            var left: [Int] = [], right: [Int] = [], feature: [Int] = [], threshold: [Float] = [], defaultLeft: [Bool] = []
            for i in rows {
                if modes[i] == "LEAF" {
                    left.append(-1); right.append(-1); feature.append(0); defaultLeft.append(false)
                    threshold.append(leaf[tree]?[nodeIDs[i]] ?? 0)
                    continue
                }
                guard let t = local[trueIDs[i]], let f = local[falseIDs[i]] else {
                    throw ModelError("\(node.qualifiedName): tree \(tree) node \(nodeIDs[i]) points to a missing node")
                }
                guard featureIDs[i] >= 0, featureIDs[i] < width else {
                    throw ModelError("\(node.qualifiedName): tree \(tree) splits on feature \(featureIDs[i]) of \(width)")
                }
                let missingTrue = i < tracksTrue.count && tracksTrue[i] != 0
                let v = values[i]
                let (lessGoesTrue, limit): (Bool, Float)
                switch modes[i] {
                case "BRANCH_LEQ": (lessGoesTrue, limit) = (true, v.nextUp)
                case "BRANCH_LT": (lessGoesTrue, limit) = (true, v)
                case "BRANCH_GTE": (lessGoesTrue, limit) = (false, v)
                case "BRANCH_GT": (lessGoesTrue, limit) = (false, v.nextUp)
                case let mode:
                    throw ModelError("\(node.qualifiedName): split mode \(mode) is not supported (BRANCH_LEQ, LT, GTE, GT)")
                }
                left.append(lessGoesTrue ? t : f)
                right.append(lessGoesTrue ? f : t)
                feature.append(Int(featureIDs[i]))
                threshold.append(limit)
                // NaN goes to the false branch unless the node tracks missing values to the true one.
                defaultLeft.append(lessGoesTrue ? missingTrue : !missingTrue)
            }
            try ensemble.appendTree(left: left, right: right, feature: feature, threshold: threshold, defaultLeft: defaultLeft)
        }
        return Built(ensemble: ensemble, base: base, average: aggregate == "AVERAGE")
    }
}
