/// A loaded version before it may serve, with what the gate needs to judge it.
public struct Candidate: Sendable {
    public let loaded: LoadedModel
    public let validation: Manifest.Validation?
    /// The validation file's bytes (JSON lines), when the manifest names one.
    public let validationRows: [UInt8]?
    /// The version's own labeled rows for the promotion gate, and the member holding the label.
    public let evaluation: (rows: [UInt8], labelKey: String)?

    public init(loaded: LoadedModel, validation: Manifest.Validation?, validationRows: [UInt8]?,
                evaluation: (rows: [UInt8], labelKey: String)? = nil) {
        self.loaded = loaded
        self.validation = validation
        self.validationRows = validationRows
        self.evaluation = evaluation
    }
}
