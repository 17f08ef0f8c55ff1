/// A loaded model that scores one feature row at a time.
///
/// Rows are Doubles in `featureNames` order, NaN meaning missing; each format narrows them the way
/// its library does (XGBoost to Float32). Implementations are immutable and safe to share across threads.
public protocol Model: Sendable {
    /// Input columns in the order `predict` expects them, as named in the model file.
    var featureNames: [String] { get }
    /// What `predict` returns: a probability of the positive class, or a raw score.
    var output: ModelOutput { get }
    /// Scores one row; `row.count == featureNames.count`.
    func predict(_ row: UnsafeBufferPointer<Double>) -> Double
}

public enum ModelOutput: String, Sendable {
    /// A probability in [0, 1] of the positive (fraud) class.
    case probability
    /// An untransformed score (margin, regression value).
    case raw
}

/// Why a model file could not be used, in words that say what to fix.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
