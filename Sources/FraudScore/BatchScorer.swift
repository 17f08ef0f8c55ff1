import JSON
import Models
import ModelStore

/// Scores many transactions at once through the model's batch path: decode every item into one
/// contiguous row buffer, predict the valid rows together, answer each item in order with the
/// same JSON `/predict` gives (or its errors). Used by `fraudscore predict` for offline files.
public struct BatchScorer: Sendable {
    private let serving: ServingModel
    private let threshold: Double

    public init(_ loaded: LoadedModel, scoring: ScoringConfig) {
        serving = ServingModel(loaded, allowMissingFeatures: scoring.allowMissingFeatures)
        threshold = scoring.threshold
    }

    /// One JSON result per item: the prediction object, or `{"detail": [...]}` for an invalid item.
    public func score(_ items: [[UInt8]]) -> [[UInt8]] {
        let width = serving.decoder.featureNames.count
        var rows = [Double](repeating: .nan, count: items.count * width)
        var ids = [Int64](repeating: 0, count: items.count)
        var errors = [[ValidationError]?](repeating: nil, count: items.count)
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            for (i, item) in items.enumerated() {
                var transaction = TransactionDecoder.Transaction()
                let row = UnsafeMutableBufferPointer(rebasing: rowBuffer[(i * width)..<((i + 1) * width)])
                errors[i] = item.withUnsafeBytes { serving.decoder.decode($0, into: row, transaction: &transaction) }
                ids[i] = transaction.transactionID
            }
        }
        var predictions = [Double](repeating: .nan, count: items.count)
        rows.withUnsafeBufferPointer { r in
            predictions.withUnsafeMutableBufferPointer { serving.loaded.model.predict(rows: r, into: $0) }
        }
        return (0..<items.count).map { i in
            var w = JSONWriter(capacity: 160)
            if let e = errors[i] {
                ValidationError.write(e, into: &w)
            } else {
                serving.writePrediction(id: ids[i], probability: predictions[i], threshold: threshold, into: &w)
            }
            return w.bytes
        }
    }
}
