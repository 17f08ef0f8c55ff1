/// Column names for a model whose file does not name its inputs (skl2onnx's one `X [N, k]`).
/// `preferred` (an MLflow signature, the version's manifest) wins over the file's own
/// `metadata_props` `feature_names`, which wins over `fallback` (`features.json`, `--features`).
public struct FeatureNameHints: Sendable {
    public var preferred: [String]?
    public var fallback: [String]?

    public init(preferred: [String]? = nil, fallback: [String]? = nil) {
        self.preferred = preferred
        self.fallback = fallback
    }
}
