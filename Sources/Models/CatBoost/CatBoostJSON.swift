import JSON

extension CatBoostModel {
    /// A model saved with `save_model(path, format="json")`.
    public init(jsonBytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws {
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(jsonBytes)
        } catch let e as JSONError {
            throw ModelError("not a valid CatBoost JSON model: \(e)")
        }
        try self.init(document: doc, hints: hints)
    }

    init(document doc: JSONValue, hints: FeatureNameHints) throws {
        guard let info = doc["features_info"] else {
            throw ModelError("not a CatBoost JSON model: no \"features_info\" object (save it with save_model(…, format=\"json\"))")
        }
        for kind in ["categorical_features", "text_features", "embedding_features"] {
            if let list = info[kind]?.arrayValue, !list.isEmpty {
                throw ModelError("the CatBoost model has \(kind.replacingUnderscores); only numeric (float) features are "
                                 + "supported: encode them as numbers before training")
            }
        }
        guard let jsonTrees = doc["oblivious_trees"]?.arrayValue else {
            if doc["trees"] != nil {
                throw ModelError("the CatBoost model has non-symmetric trees (grow_policy Depthwise or Lossguide); "
                                 + "only oblivious trees (grow_policy SymmetricTree, the default) are supported")
            }
            throw ModelError("the CatBoost JSON model has no \"oblivious_trees\"")
        }
        let jsonFeatures = info["float_features"]?.arrayValue ?? []
        // Features in input order (flat_feature_index), which must be 0, 1, … with no categorical ones.
        var features: [Feature] = []
        var byFloatIndex: [Int: Int] = [:]
        for (i, f) in jsonFeatures.enumerated() {
            let flat = f["flat_feature_index"]?.intValue ?? i
            let index = f["feature_index"]?.intValue ?? i
            guard flat == i else {
                throw ModelError("CatBoost float feature \(i) has flat_feature_index \(flat): the model's inputs are not "
                                 + "all numeric features in order")
            }
            let treatment = f["nan_value_treatment"]?.stringValue ?? "AsIs"
            guard let nan = NanTreatment(rawValue: treatment) else {
                throw ModelError("CatBoost float feature \(i) has an unknown nan_value_treatment \"\(treatment)\"")
            }
            byFloatIndex[index] = i
            features.append(Feature(name: f["feature_id"]?.stringValue ?? "", nan: nan))
        }
        var trees: [Tree] = []
        for (t, jsonTree) in jsonTrees.enumerated() {
            var tree = Tree(features: [], borders: [], leafValues: [])
            for split in jsonTree["splits"]?.arrayValue ?? [] {
                let type = split["split_type"]?.stringValue ?? ""
                guard type == "FloatFeature" else {
                    throw ModelError("CatBoost tree \(t) has a split of type \"\(type)\"; only FloatFeature splits are supported")
                }
                guard let index = split["float_feature_index"]?.intValue, let feature = byFloatIndex[index],
                      let border = split["border"]?.doubleValue else {
                    throw ModelError("CatBoost tree \(t) has a split without a known float_feature_index and a border")
                }
                tree.features.append(feature)
                tree.borders.append(Float(border))
            }
            guard let leaves = jsonTree["leaf_values"]?.arrayValue else {
                throw ModelError("CatBoost tree \(t) has no leaf_values")
            }
            tree.leafValues = try leaves.map {
                guard let v = $0.doubleValue else { throw ModelError("CatBoost tree \(t) has a leaf value that is not a number") }
                return v
            }
            trees.append(tree)
        }
        // "scale_and_bias": [scale, [bias per dimension]].
        var scale = 1.0, bias = 0.0
        if let sb = doc["scale_and_bias"]?.arrayValue {
            guard sb.count == 2, let s = sb[0].doubleValue, let biases = sb[1].arrayValue, biases.count <= 1 else {
                throw ModelError("the CatBoost model's scale_and_bias is not [scale, [bias]]")
            }
            scale = s
            bias = biases.first?.doubleValue ?? 0
        }
        let modelInfo = doc["model_info"]
        try self.init(features: features, trees: trees, scale: scale, bias: bias,
                      loss: CatBoostModel.loss(modelInfo?["params"]),
                      nanMode: CatBoostModel.nanMode(modelInfo?["params"]), format: .catboostJSON,
                      version: CatBoostModel.version(modelInfo?["catboost_version_info"]?.stringValue), hints: hints)
    }

    /// The loss named in the training parameters (`model_info.params`, or the `.cbm`'s `params` entry).
    static func loss(_ params: JSONValue?) throws -> String {
        guard let loss = params?["loss_function"]?["type"]?.stringValue else {
            throw ModelError("the CatBoost model does not name its loss function (params.loss_function.type); "
                             + "save it with catboost 1.0 or later")
        }
        return loss
    }

    static func nanMode(_ params: JSONValue?) -> String? {
        params?["data_processing_options"]?["float_features_binarization"]?["nan_mode"]?.stringValue
    }

    /// "1.2.10" from catboost's version text ("… Branch: tags/v1.2.10 …").
    static func version(_ text: String?) -> String? {
        guard let text, let tag = text.firstRange(of: "tags/v") else { return nil }
        let version = text[tag.upperBound...].prefix { $0.isNumber || $0 == "." }
        return version.isEmpty ? nil : String(version)
    }
}

private extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
