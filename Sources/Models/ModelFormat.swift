import JSON

/// The file formats fraudscore reads, recognised by content, never by file name.
public enum ModelFormat: String, Sendable, CaseIterable {
    case xgboostJSON = "xgboost-json"
    case xgboostUBJSON = "xgboost-ubj"
    case lightGBMText = "lightgbm-text"
    case onnx = "onnx"
    case catboostJSON = "catboost-json"
    case catboostBinary = "catboost-cbm"

    /// The format of a model file's bytes, or nil if none matches.
    public static func detect(_ bytes: [UInt8]) -> ModelFormat? {
        if LightGBMModel.looksLikeLightGBM(bytes) { return .lightGBMText }
        if UBJSONReader.looksLikeUBJSON(bytes) { return .xgboostUBJSON }
        if CatBoostModel.looksLikeCBM(bytes) { return .catboostBinary }
        // JSON: optional whitespace, then an object; CatBoost's by its top-level members.
        if let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
           first == UInt8(ascii: "{") {
            return isCatBoostJSON(bytes) ? .catboostJSON : .xgboostJSON
        }
        if ONNXGraph.looksLikeONNX(bytes) { return .onnx }
        return nil
    }

    /// Loads a model of this format. `hints` name the columns of a model whose file does not.
    public func load(_ bytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws -> any Model {
        switch self {
        case .xgboostJSON: return try XGBoostModel(jsonBytes: bytes, hints: hints)
        case .xgboostUBJSON: return try XGBoostModel(ubjsonBytes: bytes, hints: hints)
        case .lightGBMText: return try LightGBMModel(text: bytes)
        case .onnx: return try ONNXModel(bytes: bytes, hints: hints)
        case .catboostJSON: return try CatBoostModel(jsonBytes: bytes, hints: hints)
        case .catboostBinary: return try CatBoostModel(cbmBytes: bytes, hints: hints)
        }
    }

    /// Whether a JSON object's first top-level member that tells the libraries apart is CatBoost's
    /// (`features_info`, `oblivious_trees`, …) rather than XGBoost's (`learner`). Members before it
    /// are skipped without building them; a syntax error is left to the loader to report.
    static func isCatBoostJSON(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            guard (try? scanner.expect(UInt8(ascii: "{"), "")) != nil else { return false }
            var first = true, matched = false
            while let key = try? scanner.nextMember(first: first, guess: UnsafeRawBufferPointer(start: nil, count: 0),
                                                     matchedGuess: &matched),
                  let name = try? scanner.string(key) {
                switch name {
                case "learner", "version": return false
                case "features_info", "oblivious_trees", "scale_and_bias", "model_info", "trees": return true
                default: guard (try? scanner.skipValue()) != nil else { return false }
                }
                first = false
            }
            return false
        }
    }

    /// Detects the format and loads the model, or says which formats are understood.
    public static func loadModel(_ bytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws -> (any Model, ModelFormat) {
        guard let format = detect(bytes) else {
            throw ModelError("unrecognised model file: expected XGBoost JSON or UBJSON (Booster.save_model), "
                             + "a LightGBM text model (Booster.save_model), CatBoost (.cbm or JSON, save_model) "
                             + "or ONNX (skl2onnx)")
        }
        return (try format.load(bytes, hints: hints), format)
    }
}
