/// An ONNX model as plain values: what `ONNXDecoding` reads out of the protobuf, and all the
/// evaluator needs. Keeping the generated protobuf types out of evaluation keeps them off the
/// request path.
public struct ONNXGraph: Sendable {
    /// TensorProto.DataType values the evaluator distinguishes.
    public enum ElementType {
        public static let float: Int = 1
        public static let int64: Int = 7
        public static let double: Int = 11
    }

    public struct Value: Sendable {
        public var name: String
        public var elementType: Int
        /// Dimensions; nil where symbolic (the batch dimension "N").
        public var shape: [Int?]

        public init(name: String, elementType: Int, shape: [Int?]) {
            self.name = name
            self.elementType = elementType
            self.shape = shape
        }
    }

    public struct Tensor: Sendable {
        public var dims: [Int]
        public var elementType: Int
        public var values: [Double]

        public init(dims: [Int], elementType: Int, values: [Double]) {
            self.dims = dims
            self.elementType = elementType
            self.values = values
        }
    }

    public enum Attribute: Sendable {
        case float(Float), int(Int64), string(String), floats([Float]), ints([Int64]), strings([String])
        case tensor(Tensor)
        case unsupported
    }

    public struct Node: Sendable {
        public var opType: String
        public var domain: String
        public var name: String
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: [String: Attribute]

        public init(opType: String, domain: String, name: String, inputs: [String], outputs: [String],
                    attributes: [String: Attribute]) {
            self.opType = opType
            self.domain = domain
            self.name = name
            self.inputs = inputs
            self.outputs = outputs
            self.attributes = attributes
        }

        /// `ai.onnx.ml.TreeEnsembleClassifier`-style name for messages.
        public var qualifiedName: String { domain.isEmpty || domain == "ai.onnx" ? opType : "\(domain).\(opType)" }
    }

    public var inputs: [Value] = []
    public var outputs: [Value] = []
    public var nodes: [Node] = []
    public var initializers: [String: Tensor] = [:]
    /// `metadata_props`.
    public var metadata: [String: String] = [:]
    public var producer = ""
    public var opsets: [String: Int64] = [:]

    public init() {}
}

extension ONNXGraph.Node {
    func floats(_ name: String) -> [Float]? {
        switch attributes[name] {
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: return nil
        }
    }

    func ints(_ name: String) -> [Int64]? {
        switch attributes[name] {
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: return nil
        }
    }

    func int(_ name: String) -> Int64? {
        if case .int(let v)? = attributes[name] { return v }
        return nil
    }

    func string(_ name: String) -> String? {
        if case .string(let v)? = attributes[name] { return v }
        return nil
    }

    func strings(_ name: String) -> [String]? {
        if case .strings(let v)? = attributes[name] { return v }
        return nil
    }

    func required<T>(_ value: T?, _ attribute: String) throws -> T {
        guard let value else { throw ModelError("\(qualifiedName) node \"\(name)\" lacks its \(attribute) attribute") }
        return value
    }
}
