import JSON
#if canImport(Glibc)
import Glibc
#endif

/// A gradient-boosted tree model saved by XGBoost's `Booster.save_model` (JSON), scored with
/// XGBoost's own arithmetic: Float32 inputs, `x < split` goes left, NaN follows `default_left`,
/// Float32 sums in tree order from the base margin, and glibc's `expf` for the sigmoid.
public struct XGBoostModel: Model {
    public let featureNames: [String]
    public let output: ModelOutput
    public let objective: String
    public let baseMargin: Float
    public let trees: TreeEnsemble
    public let metadata: ModelMetadata

    /// Objectives whose base_score is a probability (margin = logit) and whether the
    /// prediction is passed through the sigmoid.
    private static let objectives: [String: (logitBase: Bool, sigmoid: Bool)] = [
        "binary:logistic": (true, true),
        "reg:logistic": (true, true),
        "binary:logitraw": (false, false),  // XGBoost 3.x keeps its base_score as a margin
        "reg:squarederror": (false, false),
        "reg:linear": (false, false),
    ]

    public init(jsonBytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws {
        try self.init(document: try XGBoostModel.document("JSON") { try JSONValue.parse(jsonBytes) }, format: .xgboostJSON,
                      hints: hints)
    }

    /// A model saved as UBJSON (`.ubj`, or `model.xgb` from XGBoost 2.1 on).
    public init(ubjsonBytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws {
        try self.init(document: try XGBoostModel.document("UBJSON") { try UBJSONReader.parse(ubjsonBytes) },
                      format: .xgboostUBJSON, hints: hints)
    }

    /// The document `parse` reads, its syntax errors named as this format's.
    private static func document(_ format: String, _ parse: () throws -> JSONValue) throws -> JSONValue {
        do {
            return try parse()
        } catch let e as JSONError {
            throw ModelError("not a valid XGBoost \(format) model: \(e)")
        }
    }

    /// Builds the model from the document tree that JSON and UBJSON files share.
    /// `hints` name the columns of a model trained without feature names (an MLflow signature, …).
    public init(document doc: JSONValue, format: ModelFormat, hints: FeatureNameHints = FeatureNameHints()) throws {
        guard let learner = doc["learner"] else {
            throw ModelError("not an XGBoost model: no \"learner\" object (save it with Booster.save_model)")
        }
        let objective = learner["objective"]?["name"]?.stringValue ?? ""
        guard let kind = XGBoostModel.objectives[objective] else {
            throw ModelError("XGBoost objective \"\(objective)\" is not supported; supported: "
                             + XGBoostModel.objectives.keys.sorted().joined(separator: ", "))
        }
        self.objective = objective
        output = kind.sigmoid ? .probability : .raw

        let params = learner["learner_model_param"]
        let numFeature = params?["num_feature"]?.stringValue.flatMap { Int($0) } ?? 0
        let numClass = params?["num_class"]?.stringValue.flatMap { Int($0) } ?? 0
        let numTarget = params?["num_target"]?.stringValue.flatMap { Int($0) } ?? 1
        guard numClass <= 1, numTarget <= 1 else {
            throw ModelError("multi-class / multi-target XGBoost models are not supported (num_class=\(numClass))")
        }
        guard numFeature > 0 else { throw ModelError("XGBoost model has no num_feature") }

        // base_score: "0.5" in 1.x/2.x, "[8.472101E-3]" in 3.x.
        var baseText = params?["base_score"]?.stringValue ?? "0.5"
        baseText.removeAll { $0 == "[" || $0 == "]" }
        // XGBoost keeps base_score as Float32 and takes the logit in Float32, as -logf(1/b - 1)
        // (ProbToMargin). Computing it in Double and rounding once is 1 ulp off for some values
        // (0.36066666, 0.77777); parsing the text straight to Double is off for others ("[1.0396845E-2]").
        guard let base = Float(baseText) else { throw ModelError("unreadable base_score \"\(baseText)\"") }
        if kind.logitBase {
            guard base > 0, base < 1 else { throw ModelError("base_score \(base) is not a probability") }
            baseMargin = -logf(1 / base - 1)
        } else {
            baseMargin = base
        }

        var names = (learner["feature_names"]?.arrayValue ?? []).compactMap(\.stringValue)
        if names.isEmpty, let given = hints.preferred ?? hints.fallback {
            names = given
        }
        if names.isEmpty {
            throw ModelError("the XGBoost model has no feature names; train it on a DataFrame or pass "
                             + "feature_names= so requests can be matched to columns by name (or name them in "
                             + "the MLflow signature, the manifest's \"features\", a features.json or --features)")
        }
        guard names.count == numFeature else {
            throw ModelError("model lists \(names.count) feature names but num_feature is \(numFeature)")
        }
        if let types = learner["feature_types"]?.arrayValue, types.contains(where: { $0.stringValue == "c" }) {
            throw ModelError("categorical features are not supported yet")
        }
        featureNames = names

        let ensemble = try XGBoostModel.trees(learner, featureCount: numFeature)
        trees = ensemble
        let version = doc["version"]?.arrayValue?.compactMap(\.intValue).map(String.init).joined(separator: ".")
        metadata = ModelMetadata(format: format, objective: objective, libraryVersion: version.map { "xgboost " + $0 },
                                 treeCount: ensemble.treeCount, acceptsMissingValues: true)
    }

    /// The gbtree booster's trees: split conditions as Float thresholds, missing values to `default_left`.
    private static func trees(_ learner: JSONValue, featureCount: Int) throws -> TreeEnsemble {
        guard let booster = learner["gradient_booster"], booster["name"]?.stringValue == "gbtree",
              let jsonTrees = booster["model"]?["trees"]?.arrayValue else {
            throw ModelError("only the gbtree booster is supported (gblinear and dart are not)")
        }
        var ensemble = TreeEnsemble(featureCount: featureCount)
        for (t, tree) in jsonTrees.enumerated() {
            func ints(_ key: String) throws -> [Int] {
                guard let a = tree[key]?.arrayValue else { throw ModelError("tree \(t): missing \(key)") }
                return try a.map {
                    guard let v = $0.intValue else { throw ModelError("tree \(t): \(key) holds a non-integer") }
                    return v
                }
            }
            if let splitType = tree["split_type"]?.arrayValue, splitType.contains(where: { $0.intValue != 0 }) {
                throw ModelError("tree \(t) has categorical splits, which are not supported yet")
            }
            guard let conditions = tree["split_conditions"]?.arrayValue else {
                throw ModelError("tree \(t): missing split_conditions")
            }
            let thresholds = try conditions.map {
                guard let d = $0.doubleValue else { throw ModelError("tree \(t): split_conditions holds a non-number") }
                return Float(d)
            }
            let defaultLeft = try ints("default_left").map { $0 != 0 }
            try ensemble.appendTree(left: try ints("left_children"), right: try ints("right_children"),
                                    feature: try ints("split_indices"), threshold: thresholds,
                                    defaultLeft: defaultLeft)
        }
        return ensemble
    }

    /// The margin before the objective's transform.
    public func margin(_ row: UnsafeBufferPointer<Double>) -> Float {
        precondition(row.count == featureNames.count)
        return trees.sum(row.baseAddress!, start: baseMargin)
    }

    public func predict(_ row: UnsafeBufferPointer<Double>) -> Double {
        transform(margin(row))
    }

    /// Tree-major over blocks of rows: each tree's nodes stay in cache while a block of rows walks it.
    /// Every row still adds the trees in order, so results equal `predict` bit for bit.
    public func predict(rows: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let width = featureNames.count
        precondition(rows.count == out.count * width)
        let block = 64
        withUnsafeTemporaryAllocation(of: Float.self, capacity: block * width) { features in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: block) { margins in
                var start = 0
                while start < out.count {
                    let n = min(block, out.count - start)
                    for k in 0..<(n * width) { features[k] = Float(rows[start * width + k]) }
                    margins.initialize(repeating: baseMargin)
                    trees.addBatch(UnsafePointer(features.baseAddress!), width: width, count: n, into: margins.baseAddress!)
                    for r in 0..<n { out[start + r] = transform(margins[r]) }
                    start += n
                }
            }
        }
    }

    @inline(__always)
    private func transform(_ m: Float) -> Double {
        guard output == .probability else { return Double(m) }
        // XGBoost: 1 / (expf(min(-m, 88.7f)) + 1), in Float32.
        let e = expf(min(-m, 88.7))
        return Double(Float(1) / (e + Float(1)))
    }
}
