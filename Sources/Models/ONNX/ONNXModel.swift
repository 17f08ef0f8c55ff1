import JSON

/// An ONNX graph of the scikit-learn operators (skl2onnx), compiled into a fixed list of steps over
/// one scratch vector per row: no allocation while scoring, nothing evaluated that the output does
/// not need.
public struct ONNXModel: Model {
    public let featureNames: [String]
    public let output: ModelOutput
    public let metadata: ModelMetadata
    private let steps: [ONNXStep]
    /// Where each feature goes in the scratch vector (graph inputs in order).
    private let inputSlot: ScratchRange
    private let inputIsFloat: Bool
    private let resultIndex: Int
    private let scratchWidth: Int

    public init(bytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws {
        try self.init(graph: try ONNXGraph(protobuf: bytes), hints: hints)
    }

    public init(graph: ONNXGraph, hints: FeatureNameHints = FeatureNameHints()) throws {
        guard !graph.inputs.isEmpty else { throw ModelError("the ONNX graph has no inputs") }
        var compiler = ONNXCompiler(graph: graph)
        // Inputs: one [N, k] matrix whose columns need names, or one [N, 1] input per feature.
        let names: [String]
        if graph.inputs.count == 1 {
            let input = graph.inputs[0]
            let declared = input.shape.count == 2 ? input.shape[1] : nil
            guard let found = hints.preferred ?? ONNXModel.metadataNames(graph) ?? hints.fallback else {
                throw ModelError("the ONNX input \(input.name) [N, \(declared.map(String.init) ?? "?")] does not name its "
                                 + "columns: give them in the MLflow signature, the manifest's \"features\", an ONNX "
                                 + "metadata_props entry feature_names (a JSON list), a features.json beside the model "
                                 + "(a JSON list), or --features a,b,c")
            }
            if let declared, declared != found.count {
                throw ModelError("the ONNX input \(input.name) has \(declared) columns but \(found.count) feature names were given")
            }
            names = found
            try compiler.bind(input, width: found.count)
        } else {
            for input in graph.inputs {
                guard input.shape.count <= 2, input.shape.count < 2 || input.shape[1] == 1 || input.shape[1] == nil else {
                    throw ModelError("the ONNX input \(input.name) is not one column: with several inputs each must be [N, 1]")
                }
                try compiler.bind(input, width: 1)
            }
            names = graph.inputs.map(\.name)
        }
        guard Set(names).count == names.count else { throw ModelError("feature names repeat: \(names)") }
        let first = graph.inputs[0]
        inputIsFloat = graph.inputs.allSatisfy { $0.elementType == ONNXGraph.ElementType.float }
        inputSlot = ScratchRange(offset: compiler.slots[first.name]!.offset, width: names.count)
        let plan = try compiler.compile()
        featureNames = names
        steps = plan.steps
        resultIndex = plan.resultIndex
        scratchWidth = compiler.scratchWidth
        output = plan.isProbability ? .probability : .raw
        let trees = graph.nodes.filter { $0.opType.hasPrefix("TreeEnsemble") }
            .map { ($0.ints("nodes_treeids").map { Set($0).count }) ?? 0 }.reduce(0, +)
        metadata = ModelMetadata(format: .onnx, objective: plan.objective,
                                 libraryVersion: graph.producer.isEmpty ? nil : graph.producer,
                                 treeCount: trees, acceptsMissingValues: plan.handlesMissing)
    }

    static func metadataNames(_ graph: ONNXGraph) -> [String]? {
        graph.metadata["feature_names"].flatMap { (try? JSONValue.parse(Array($0.utf8)))?.stringListValue }
    }

    public func predict(_ row: UnsafeBufferPointer<Double>) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: scratchWidth) { scratch in
            let s = scratch.baseAddress!
            for j in 0..<inputSlot.width {
                let v = row[j]
                s[inputSlot.offset + j] = inputIsFloat ? Double(Float(v)) : v
            }
            for step in steps { step.run(s) }
            return s[resultIndex]
        }
    }
}
