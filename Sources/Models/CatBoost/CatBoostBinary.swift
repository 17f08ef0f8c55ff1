import JSON

extension CatBoostModel {
    /// The first bytes of a `.cbm` file (catboost's default `save_model` format).
    static let magic: [UInt8] = Array("CBM1".utf8)

    public static func looksLikeCBM(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: magic)
    }

    /// A model saved with `save_model(path)` (`.cbm`): "CBM1", the `UInt32` size of the model core,
    /// then the core as a FlatBuffers `TModelCore` (catboost's `model.fbs`): its `ModelTrees` and an
    /// `InfoMap` of strings, the training parameters among them as JSON. Parts stored after the core
    /// (`ModelPartIds`) hold the statistics of categorical features, which are not supported.
    public init(cbmBytes bytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws {
        guard CatBoostModel.looksLikeCBM(bytes) else {
            throw ModelError("not a CatBoost binary model: it must start with \"CBM1\" (save_model(path))")
        }
        let size = Int(try FlatBufferTable.u32(bytes, 4))
        guard size <= bytes.count - 8 else {
            throw ModelError("the CatBoost binary model is truncated: its core is \(size) bytes but the file has \(bytes.count - 8) after the header")
        }
        // Reading only inside the core: a copy bounds every offset by the core's own size.
        let core = try FlatBufferTable(root: Array(bytes[8..<(8 + size)]), start: 0)
        guard let trees = try core.table(Slot.modelTrees) else {
            throw ModelError("the CatBoost binary model has no trees")
        }
        if try core.count(Slot.modelPartIds) > 0 {
            throw ModelError("the CatBoost model stores categorical-feature statistics; only numeric (float) features are "
                             + "supported: encode them as numbers before training")
        }
        for (slot, what) in [(Slot.catFeatures, "categorical features"), (Slot.oneHotFeatures, "one-hot features"),
                             (Slot.ctrFeatures, "categorical feature statistics (CTRs)"),
                             (Slot.textFeatures, "text features"), (Slot.embeddingFeatures, "embedding features"),
                             (Slot.estimatedFeatures, "text or embedding features")] where try trees.count(slot) > 0 {
            throw ModelError("the CatBoost model has \(what); only numeric (float) features are supported: "
                             + "encode them as numbers before training")
        }
        if try trees.count(Slot.nonSymmetricStepNodes) > 0 {
            throw ModelError("the CatBoost model has non-symmetric trees (grow_policy Depthwise or Lossguide); "
                             + "only oblivious trees (grow_policy SymmetricTree, the default) are supported")
        }
        let dimension = try trees.int32(Slot.approxDimension, default: 1)
        guard dimension == 1 else {
            throw ModelError("the CatBoost model predicts \(dimension) values; multi-class and multi-target models are not supported")
        }

        // Features in input order; every border of every feature, in order, is one binary feature
        // that TreeSplits refers to by number.
        var features: [Feature] = []
        var binary: [(feature: Int, border: Float)] = []
        for (i, f) in try trees.tables(Slot.floatFeatures).enumerated() {
            let flat = Int(try f.int32(FloatSlot.flatIndex, default: -1))
            guard flat == i else {
                throw ModelError("CatBoost float feature \(i) has flat index \(flat): the model's inputs are not all "
                                 + "numeric features in order")
            }
            let nan: NanTreatment
            switch try f.int8(FloatSlot.nanValueTreatment, default: 0) {
            case 0: nan = .asIs
            case 1: nan = .asFalse
            case 2: nan = .asTrue
            case let other: throw ModelError("CatBoost float feature \(i) has an unknown NaN treatment \(other)")
            }
            features.append(Feature(name: try f.string(FloatSlot.featureId) ?? "", nan: nan))
            for border in try f.floats(FloatSlot.borders) { binary.append((i, border)) }
        }

        let splits = try trees.int32s(Slot.treeSplits)
        let sizes = try trees.int32s(Slot.treeSizes)
        let leaves = try trees.doubles(Slot.leafValues)
        var parsed: [Tree] = []
        var split = 0, leaf = 0
        for (t, size) in sizes.enumerated() {
            let depth = Int(size)
            guard depth >= 0, depth <= CatBoostModel.maxDepth, split + depth <= splits.count, leaf + (1 << depth) <= leaves.count else {
                throw ModelError("CatBoost tree \(t) does not fit the model's split and leaf arrays")
            }
            var tree = Tree(features: [], borders: [], leafValues: Array(leaves[leaf..<(leaf + (1 << depth))]))
            for s in splits[split..<(split + depth)] {
                guard s >= 0, Int(s) < binary.count else {
                    throw ModelError("CatBoost tree \(t) splits on binary feature \(s) but the model has \(binary.count)")
                }
                tree.features.append(binary[Int(s)].feature)
                tree.borders.append(binary[Int(s)].border)
            }
            parsed.append(tree)
            split += depth
            leaf += 1 << depth
        }
        guard split == splits.count, leaf == leaves.count else {
            throw ModelError("the CatBoost model's TreeSizes do not account for all its splits and leaf values")
        }

        let multiBias = try trees.doubles(Slot.multiBias)
        guard multiBias.count <= 1 else {
            throw ModelError("the CatBoost model has \(multiBias.count) biases; multi-class models are not supported")
        }
        let bias = try multiBias.first ?? trees.double(Slot.bias, default: 0)
        var info: [String: String] = [:]
        for entry in try core.tables(Slot.infoMap) {
            if let key = try entry.string(0), let value = try entry.string(1) { info[key] = value }
        }
        let params = info["params"].flatMap { try? JSONValue.parse(Array($0.utf8)) }
        try self.init(features: features, trees: parsed, scale: try trees.double(Slot.scale, default: 1), bias: bias,
                      loss: CatBoostModel.loss(params), nanMode: CatBoostModel.nanMode(params), format: .catboostBinary,
                      version: CatBoostModel.version(info["catboost_version_info"]), hints: hints)
    }

    /// Field numbers of `TModelCore` and `TModelTrees` in catboost's model.fbs.
    private enum Slot {
        // TModelCore
        static let modelTrees = 1, infoMap = 2, modelPartIds = 3
        // TModelTrees
        static let approxDimension = 0, treeSplits = 1, treeSizes = 2, catFeatures = 4, floatFeatures = 5
        static let oneHotFeatures = 6, ctrFeatures = 7, leafValues = 8, nonSymmetricStepNodes = 10
        static let textFeatures = 12, estimatedFeatures = 13, scale = 14, bias = 15, multiBias = 16
        static let embeddingFeatures = 18
    }

    /// Field numbers of `TFloatFeature` (features.fbs).
    private enum FloatSlot {
        static let flatIndex = 2, borders = 3, featureId = 4, nanValueTreatment = 5
    }
}
