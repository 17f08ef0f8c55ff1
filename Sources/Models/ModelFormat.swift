import JSON

/// The file formats fraudscore reads, recognised by content, never by file name.
public enum ModelFormat: String, Sendable, CaseIterable {
    case xgboostJSON = "xgboost-json"
    case xgboostUBJSON = "xgboost-ubj"
    case lightGBMText = "lightgbm-text"
    case onnx = "onnx"

    /// The format of a model file's bytes, or nil if none matches.
    public static func detect(_ bytes: [UInt8]) -> ModelFormat? {
        if LightGBMModel.looksLikeLightGBM(bytes) { return .lightGBMText }
        if UBJSONReader.looksLikeUBJSON(bytes) { return .xgboostUBJSON }
        // JSON: optional whitespace, then an object.
        if let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
           first == UInt8(ascii: "{") {
            return .xgboostJSON
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
        }
    }

    /// Detects the format and loads the model, or says which formats are understood.
    public static func loadModel(_ bytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) throws -> (any Model, ModelFormat) {
        guard let format = detect(bytes) else {
            throw ModelError("unrecognised model file: expected XGBoost JSON or UBJSON (Booster.save_model), "
                             + "a LightGBM text model (Booster.save_model) or ONNX (skl2onnx)")
        }
        return (try format.load(bytes, hints: hints), format)
    }
}
