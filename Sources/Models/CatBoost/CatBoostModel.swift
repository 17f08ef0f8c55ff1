#if canImport(Glibc)
import Glibc
#endif

/// A CatBoost model of oblivious (symmetric) trees on numeric features, from its JSON export
/// (`save_model(…, format="json")`) or its default binary `.cbm`, scored with catboost's arithmetic:
/// inputs narrowed to Float32, a split's bit is `x > border`, bit k of a tree's leaf index is its
/// k-th split, leaf values summed in Double in tree order, then `scale * sum + bias` and, for
/// Logloss and CrossEntropy, the sigmoid.
///
/// A missing value takes its feature's NaN treatment: `AsTrue` (nan_mode Max) sets every bit of the
/// feature, `AsFalse` (Min) and `AsIs` (Forbidden: catboost's own predict then compares NaN, which
/// is false) clear them. The row is narrowed once with NaN replaced by +inf or -inf accordingly, so
/// each split is one compare.
public struct CatBoostModel: Model {
    public let featureNames: [String]
    public let output: ModelOutput
    public let metadata: ModelMetadata
    public let scale: Double
    public let bias: Double
    /// Per feature: the value a missing input is scored as (+inf sets every bit, -inf clears them).
    let missingAs: [Float]
    /// Per split, trees one after another: the feature it compares and its border.
    let splitFeatures: [Int32]
    let splitBorders: [Float]
    /// Per tree: its depth (number of splits); its splits start at the sum of the earlier depths.
    let depths: [Int32]
    /// Per tree, `2^depth` leaf values one after another.
    let leafValues: [Double]

    public var treeCount: Int { depths.count }

    /// How catboost scores a missing value of a feature.
    public enum NanTreatment: String, Sendable {
        case asIs = "AsIs", asFalse = "AsFalse", asTrue = "AsTrue"
    }

    /// One numeric feature of the model, in input order.
    struct Feature {
        var name: String
        var nan: NanTreatment
    }

    /// One oblivious tree: split k gives bit k of the leaf index.
    struct Tree {
        var features: [Int]
        var borders: [Float]
        var leafValues: [Double]
    }

    /// Losses whose prediction is a probability (the sigmoid of the raw value) and those scored raw.
    static let probabilityLosses: Set<String> = ["Logloss", "CrossEntropy"]
    static let rawLosses: Set<String> = ["RMSE", "MAE", "Quantile", "MAPE", "Expectile", "Huber", "LogCosh", "Lq"]
    /// CatBoost's maximum tree depth.
    static let maxDepth = 16

    init(features: [Feature], trees: [Tree], scale: Double, bias: Double, loss: String, nanMode: String?,
         format: ModelFormat, version: String?, hints: FeatureNameHints) throws {
        if CatBoostModel.probabilityLosses.contains(loss) {
            output = .probability
        } else if CatBoostModel.rawLosses.contains(loss) {
            output = .raw
        } else {
            throw ModelError("CatBoost loss function \"\(loss)\" is not supported; supported: "
                             + (CatBoostModel.probabilityLosses.sorted() + CatBoostModel.rawLosses.sorted())
                                .joined(separator: ", "))
        }
        guard !features.isEmpty else { throw ModelError("the CatBoost model has no float features") }
        var names = features.map(\.name)
        if names.allSatisfy(\.isEmpty), let given = hints.preferred ?? hints.fallback {
            guard given.count == names.count else {
                throw ModelError("the CatBoost model has \(names.count) features but \(given.count) names were given for them")
            }
            names = given
        }
        if let unnamed = names.firstIndex(of: "") {
            throw ModelError("feature \(unnamed) of the CatBoost model has no name; train it on a DataFrame or a Pool "
                             + "with feature_names= so requests can be matched to columns by name (or name them in "
                             + "the MLflow signature, the manifest's \"features\", a features.json or --features)")
        }
        guard scale.isFinite, bias.isFinite else { throw ModelError("the CatBoost model's scale or bias is not finite") }
        featureNames = names
        missingAs = features.map { $0.nan == .asTrue ? Float.infinity : -Float.infinity }
        self.scale = scale
        self.bias = bias

        var splitFeatures: [Int32] = [], splitBorders: [Float] = [], depths: [Int32] = [], leafValues: [Double] = []
        for (t, tree) in trees.enumerated() {
            let depth = tree.features.count
            guard depth <= CatBoostModel.maxDepth, tree.borders.count == depth else {
                throw ModelError("CatBoost tree \(t) has \(depth) splits; oblivious trees have at most \(CatBoostModel.maxDepth)")
            }
            guard tree.leafValues.count == 1 << depth else {
                throw ModelError("CatBoost tree \(t) has \(tree.leafValues.count) leaf values for \(depth) splits "
                                 + "(expected \(1 << depth)); multi-class and multi-target models are not supported")
            }
            for (k, f) in tree.features.enumerated() {
                guard f >= 0, f < features.count else {
                    throw ModelError("CatBoost tree \(t) splits on feature \(f) but the model has \(features.count)")
                }
                guard !tree.borders[k].isNaN else { throw ModelError("CatBoost tree \(t) has a NaN border") }
                splitFeatures.append(Int32(f))
            }
            guard tree.leafValues.allSatisfy(\.isFinite) else {
                throw ModelError("CatBoost tree \(t) has a leaf value that is not finite")
            }
            splitBorders += tree.borders
            depths.append(Int32(depth))
            leafValues += tree.leafValues
        }
        guard !depths.isEmpty else { throw ModelError("the CatBoost model has no trees") }
        self.splitFeatures = splitFeatures
        self.splitBorders = splitBorders
        self.depths = depths
        self.leafValues = leafValues
        metadata = ModelMetadata(format: format, objective: loss, libraryVersion: version.map { "catboost " + $0 },
                                 treeCount: depths.count, acceptsMissingValues: nanMode != "Forbidden")
    }

    /// `scale * (sum of the trees' leaf values) + bias`: catboost's RawFormulaVal.
    public func raw(_ row: UnsafeBufferPointer<Double>) -> Double {
        var sum = 0.0
        rawBatch(rows: row, count: 1, into: &sum)
        return sum
    }

    public func predict(_ row: UnsafeBufferPointer<Double>) -> Double {
        transform(raw(row))
    }

    public func predict(rows: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(rows.count == out.count * featureNames.count)
        guard let base = out.baseAddress else { return }
        rawBatch(rows: rows, count: out.count, into: base)
        for r in 0..<out.count { out[r] = transform(out[r]) }
    }

    @inline(__always)
    private func transform(_ raw: Double) -> Double {
        output == .probability ? 1 / (1 + exp(-raw)) : raw
    }

    /// Raw values of `count` rows, in blocks of 64 rows. A block is narrowed column by column
    /// (feature-major), so each split compares one border against 64 consecutive values, a loop the
    /// compiler turns into vector compares; every row still adds the trees in order.
    private func rawBatch(rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        let width = featureNames.count
        let block = min(64, count)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: block * width) { x in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: block) { index in
                var first = 0
                while first < count {
                    let n = min(block, count - first)
                    narrow(rows, from: first, count: n, into: x.baseAddress!)
                    addTrees(x.baseAddress!, count: n, index: index.baseAddress!, into: out + first)
                    first += n
                }
            }
        }
    }

    /// Rows `first..<first+count` as Float32 columns (feature i of row r at `i * count + r`), each
    /// missing value replaced by its feature's substitute.
    private func narrow(_ rows: UnsafeBufferPointer<Double>, from first: Int, count: Int, into x: UnsafeMutablePointer<Float>) {
        let width = featureNames.count
        missingAs.withUnsafeBufferPointer { missing in
            for r in 0..<count {
                let source = (first + r) * width
                for i in 0..<width {
                    let v = rows[source + i]
                    x[i * count + r] = v.isNaN ? missing[i] : Float(v)
                }
            }
        }
    }

    /// Each tree's leaf index for every row of the block, split by split, then its leaf value added.
    private func addTrees(_ x: UnsafeMutablePointer<Float>, count n: Int, index: UnsafeMutablePointer<UInt32>,
                          into out: UnsafeMutablePointer<Double>) {
        for r in 0..<n { out[r] = 0 }
        splitFeatures.withUnsafeBufferPointer { features in
            splitBorders.withUnsafeBufferPointer { borders in
                leafValues.withUnsafeBufferPointer { leaves in
                    var split = 0, leaf = 0
                    for depth in depths {
                        let d = Int(depth)
                        for r in 0..<n { index[r] = 0 }
                        for k in 0..<d {
                            let column = x + Int(features[split + k]) * n
                            let border = borders[split + k]
                            let bit = UInt32(1) << UInt32(k)
                            for r in 0..<n { index[r] |= column[r] > border ? bit : 0 }
                        }
                        for r in 0..<n { out[r] += leaves[leaf + Int(index[r])] }
                        split += d
                        leaf += 1 << d
                    }
                }
            }
        }
        for r in 0..<n { out[r] = scale * out[r] + bias }
    }
}
