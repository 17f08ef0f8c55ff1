/// Turns the part of an ONNX graph that produces the model's output into `ONNXStep`s, giving every
/// value a slot in one per-row scratch vector. Operators the output does not depend on (the
/// `label` branch) are never compiled, so they need not be supported.
struct ONNXCompiler {
    struct Plan {
        var steps: [ONNXStep]
        var resultIndex: Int
        var isProbability: Bool
        var objective: String
        var handlesMissing: Bool
    }

    static let supported = ["Cast", "Concat", "Flatten", "Identity", "Reshape", "Sigmoid", "Softmax",
                            "ai.onnx.ml.Imputer", "ai.onnx.ml.LinearClassifier", "ai.onnx.ml.LinearRegressor",
                            "ai.onnx.ml.Normalizer", "ai.onnx.ml.Scaler", "ai.onnx.ml.TreeEnsembleClassifier",
                            "ai.onnx.ml.TreeEnsembleRegressor", "ai.onnx.ml.ZipMap"]

    let graph: ONNXGraph
    private(set) var slots: [String: ScratchRange] = [:]
    private var isFloat: [String: Bool] = [:]
    /// Values holding a binary classifier's [P(class 0), P(class 1)].
    private var isProbabilityPair: Set<String> = []
    private(set) var scratchWidth = 0

    init(graph: ONNXGraph) {
        self.graph = graph
    }

    private mutating func allocate(_ name: String, width: Int, float: Bool) -> ScratchRange {
        let slot = ScratchRange(offset: scratchWidth, width: width)
        scratchWidth += width
        slots[name] = slot
        isFloat[name] = float
        return slot
    }

    mutating func bind(_ input: ONNXGraph.Value, width: Int) throws {
        let t = input.elementType
        guard t == ONNXGraph.ElementType.float || t == ONNXGraph.ElementType.double || t == ONNXGraph.ElementType.int64 else {
            throw ModelError("the ONNX input \(input.name) has element type \(t); numeric inputs (float, double, int64) are supported")
        }
        _ = allocate(input.name, width: width, float: t == ONNXGraph.ElementType.float)
    }

    /// The graph output to serve: the probabilities of a classifier, else the first numeric output.
    private func chosenOutput() throws -> String {
        let names = graph.outputs.map(\.name)
        for preferred in ["probabilities", "output_probability", "probability"] where names.contains(preferred) {
            return preferred
        }
        if let o = graph.outputs.first(where: { $0.elementType == ONNXGraph.ElementType.float
                                                 || $0.elementType == ONNXGraph.ElementType.double }) {
            return o.name
        }
        guard let first = names.first else { throw ModelError("the ONNX graph has no outputs") }
        return first
    }

    mutating func compile() throws -> Plan {
        var producers: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for o in node.outputs where !o.isEmpty { producers[o] = i }
        }
        let result = try chosenOutput()
        // Backwards from the result: the nodes it depends on.
        var needed = Set<Int>()
        var pending = [result]
        while let value = pending.popLast() {
            guard let i = producers[value], needed.insert(i).inserted else { continue }
            pending += graph.nodes[i].inputs.filter { !$0.isEmpty && graph.initializers[$0] == nil }
        }
        var steps: [ONNXStep] = []
        var probability = false, handlesMissing = false
        var objective: [String] = []
        for (i, node) in graph.nodes.enumerated() where needed.contains(i) {
            let name = node.qualifiedName
            guard ONNXCompiler.supported.contains(name) else {
                throw ModelError("ONNX operator \(name) (node \"\(node.name)\") is not supported; supported: "
                                 + ONNXCompiler.supported.joined(separator: ", "))
            }
            if ["ai.onnx.ml.LinearClassifier", "ai.onnx.ml.TreeEnsembleClassifier"].contains(name) { probability = true }
            if name == "ai.onnx.ml.Imputer" || name.hasPrefix("ai.onnx.ml.TreeEnsemble") { handlesMissing = true }
            if name.hasPrefix("ai.onnx.ml.") && name != "ai.onnx.ml.ZipMap" { objective.append(node.opType) }
            steps.append(try compile(node))
        }
        guard let slot = slots[result] else {
            throw ModelError("the ONNX output \(result) is not computed from the inputs")
        }
        return Plan(steps: steps, resultIndex: slot.offset + (isProbabilityPair.contains(result) ? 1 : 0),
                    isProbability: probability, objective: objective.joined(separator: " → "),
                    handlesMissing: handlesMissing)
    }

    private func input(_ node: ONNXGraph.Node, _ k: Int = 0) throws -> (ScratchRange, Bool) {
        guard k < node.inputs.count, let slot = slots[node.inputs[k]] else {
            throw ModelError("\(node.qualifiedName) node \"\(node.name)\": input \(k) is not available")
        }
        return (slot, isFloat[node.inputs[k]] ?? false)
    }

    private mutating func compile(_ node: ONNXGraph.Node) throws -> ONNXStep {
        let out = node.outputs.first ?? ""
        switch node.opType {
        case "Identity", "ZipMap", "Flatten", "Reshape":
            let (from, float) = try input(node)
            if isProbabilityPair.contains(node.inputs[0]) { isProbabilityPair.insert(out) }
            return .copy(from: from, to: allocate(out, width: from.width, float: float), toFloat: float)
        case "Cast":
            let (from, _) = try input(node)
            switch node.int("to") ?? 0 {
            case Int64(ONNXGraph.ElementType.float):
                return .copy(from: from, to: allocate(out, width: from.width, float: true), toFloat: true)
            case Int64(ONNXGraph.ElementType.double):
                return .copy(from: from, to: allocate(out, width: from.width, float: false), toFloat: false)
            case Int64(ONNXGraph.ElementType.int64):
                return .truncate(from: from, to: allocate(out, width: from.width, float: false))
            case let t:
                throw ModelError("Cast node \"\(node.name)\" to element type \(t) is not supported (float, double, int64)")
            }
        case "Concat":
            let axis = node.int("axis") ?? 1
            guard axis == 1 || axis == -1 else { throw ModelError("Concat node \"\(node.name)\" on axis \(axis): only axis 1 is supported") }
            let parts = try node.inputs.indices.map { try input(node, $0) }
            let width = parts.map(\.0.width).reduce(0, +)
            return .concat(from: parts.map(\.0), to: allocate(out, width: width, float: parts.allSatisfy(\.1)))
        case "Sigmoid", "Softmax":
            let (from, float) = try input(node)
            let to = allocate(out, width: from.width, float: float)
            if node.opType == "Sigmoid" { return .sigmoid(from: from, to: to, toFloat: float) }
            let axis = node.int("axis") ?? -1
            guard axis == 1 || axis == -1 else { throw ModelError("Softmax node \"\(node.name)\" on axis \(axis): only the last axis is supported") }
            return .softmax(from: from, to: to, toFloat: float)
        case "Imputer":
            let (from, float) = try input(node)
            let imputed = try node.required(node.floats("imputed_value_floats"), "imputed_value_floats").map(Double.init)
            guard imputed.count == 1 || imputed.count == from.width else {
                throw ModelError("Imputer node \"\(node.name)\" has \(imputed.count) values for \(from.width) columns")
            }
            let replaced = Double(node.floats("replaced_value_float")?.first ?? 0)
            return .imputer(from: from, to: allocate(out, width: from.width, float: float), imputed: imputed,
                            replaced: replaced, toFloat: float)
        case "Scaler":
            let (from, _) = try input(node)
            let offset = (node.floats("offset") ?? [0]).map(Double.init), scale = (node.floats("scale") ?? [1]).map(Double.init)
            guard [1, from.width].contains(offset.count), [1, from.width].contains(scale.count) else {
                throw ModelError("Scaler node \"\(node.name)\": offset/scale do not match \(from.width) columns")
            }
            return .scaler(from: from, to: allocate(out, width: from.width, float: true), offset: offset, scale: scale, toFloat: true)
        case "Normalizer":
            let (from, _) = try input(node)
            let raw = node.string("norm") ?? "MAX"
            guard let norm = ONNXStep.Norm(rawValue: raw) else { throw ModelError("Normalizer norm \(raw) is not supported") }
            return .normalizer(from: from, to: allocate(out, width: from.width, float: true), norm: norm, toFloat: true)
        case "LinearClassifier", "LinearRegressor":
            return try linear(node, classifier: node.opType == "LinearClassifier")
        case "TreeEnsembleClassifier", "TreeEnsembleRegressor":
            let classifier = node.opType == "TreeEnsembleClassifier"
            let (from, _) = try input(node)
            try checkBinary(node, classifier: classifier)
            let built = try ONNXTrees.build(node, width: from.width, classifier: classifier)
            return .trees(from: from, to: try output(node, classifier: classifier), ensemble: built.ensemble,
                          base: built.base, post: try PostTransform.parse(node), average: built.average, classifier: classifier)
        default:
            throw ModelError("ONNX operator \(node.qualifiedName) is not supported")
        }
    }

    /// The output slot of a classifier ([P0, P1], its second output) or a regressor (one value).
    private mutating func output(_ node: ONNXGraph.Node, classifier: Bool) throws -> ScratchRange {
        guard let first = node.outputs.first else {
            throw ModelError("\(node.qualifiedName) node \"\(node.name)\" has no output")
        }
        guard classifier else { return allocate(first, width: 1, float: true) }
        guard node.outputs.count >= 2 else {
            throw ModelError("\(node.qualifiedName) node \"\(node.name)\" has no probabilities output")
        }
        isProbabilityPair.insert(node.outputs[1])
        return allocate(node.outputs[1], width: 2, float: true)
    }

    private func checkBinary(_ node: ONNXGraph.Node, classifier: Bool) throws {
        if classifier {
            if let labels = node.ints("classlabels_ints") ?? node.ints("classlabels_int64s") {
                guard labels == [0, 1] else {
                    throw ModelError("\(node.qualifiedName) has class labels \(labels); fraudscore serves binary classifiers with labels [0, 1]")
                }
            } else if let labels = node.strings("classlabels_strings") {
                guard labels.count == 2 else {
                    throw ModelError("\(node.qualifiedName) has \(labels.count) classes; fraudscore serves binary classifiers")
                }
            }
        } else if let targets = node.int("n_targets"), targets != 1 {
            throw ModelError("\(node.qualifiedName) has \(targets) targets; one is supported")
        }
    }

    private mutating func linear(_ node: ONNXGraph.Node, classifier: Bool) throws -> ONNXStep {
        let (from, _) = try input(node)
        try checkBinary(node, classifier: classifier)
        let weights = try node.required(node.floats("coefficients"), "coefficients").map(Double.init)
        var intercepts = (node.floats("intercepts") ?? []).map(Double.init)
        let targets = weights.count / max(1, from.width)
        guard targets >= 1, targets <= 2, targets * from.width == weights.count else {
            throw ModelError("\(node.qualifiedName) node \"\(node.name)\": \(weights.count) coefficients for \(from.width) inputs")
        }
        if intercepts.isEmpty { intercepts = Array(repeating: 0, count: targets) }
        guard intercepts.count == targets else {
            throw ModelError("\(node.qualifiedName) node \"\(node.name)\": \(intercepts.count) intercepts for \(targets) targets")
        }
        return .linear(from: from, to: try output(node, classifier: classifier), weights: weights, intercepts: intercepts,
                       post: try PostTransform.parse(node), classifier: classifier)
    }
}
