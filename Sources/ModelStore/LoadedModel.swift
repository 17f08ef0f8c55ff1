import Support
import Models

/// What is known about the model being served; shown by /health and in logs.
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    public var version: String
    public var format: ModelFormat
    /// Hex SHA-256 of the model file as loaded.
    public var sha256: String
    /// ISO 8601 UTC time the model was loaded.
    public var loadedAt: Timestamp
    public var path: String
    /// The decision threshold the model was published with, if its metadata names one.
    public var threshold: Double?
    /// The MLflow Model Registry version it came from (`models:/…`), if any.
    public var registered: RegisteredVersion? = nil
}

/// A model ready to score, with its provenance.
public struct LoadedModel: Sendable {
    public let model: any Model
    public internal(set) var info: ModelInfo

    public init(model: any Model, info: ModelInfo) {
        self.model = model
        self.info = info
    }
}
