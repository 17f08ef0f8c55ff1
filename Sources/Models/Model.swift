/// A loaded model: its feature schema, what it outputs, and how to score one row or a batch.
///
/// Rows are Doubles in `featureNames` order, NaN meaning missing; each format narrows them the way
/// its library does (XGBoost to Float32). Implementations are immutable and safe to share across threads.
public protocol Model: Sendable {
    /// Input columns in the order `predict` expects them, as named in the model file.
    var featureNames: [String] { get }
    /// What `predict` returns: a probability of the positive class, or a raw score.
    var output: ModelOutput { get }
    /// Where the model comes from and what it computes.
    var metadata: ModelMetadata { get }
    /// Scores one row; `row.count == featureNames.count`.
    func predict(_ row: UnsafeBufferPointer<Double>) -> Double
    /// Scores `out.count` rows stored one after another in `rows` (`out.count * featureNames.count`
    /// values). Gives exactly what `predict` gives row by row.
    func predict(rows: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>)
}

extension Model {
    public func predict(rows: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let width = featureNames.count
        precondition(rows.count == out.count * width)
        for r in 0..<out.count {
            out[r] = predict(UnsafeBufferPointer(rebasing: rows[(r * width)..<((r + 1) * width)]))
        }
    }
}

/// Facts about a model for `/health`, `check-model` and logs.
public struct ModelMetadata: Sendable, Equatable {
    public var format: ModelFormat
    /// The training objective as the library names it (e.g. `binary:logistic`, `binary`).
    public var objective: String
    /// The version of the library that wrote the file, when the file says.
    public var libraryVersion: String?
    public var treeCount: Int
    /// Whether a missing value (NaN, JSON null) has a defined path through the model.
    public var acceptsMissingValues: Bool
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
