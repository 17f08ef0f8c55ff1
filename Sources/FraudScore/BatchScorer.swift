import JSON
import Models
import ModelStore

/// Scores many transactions at once through the model's batch path: every item is decoded into one
/// contiguous row buffer and the valid rows are predicted together. Serves batch `/predict` requests
/// and `fraudscore predict` files.
public struct BatchScorer: Sendable {
    let serving: ServingModel

    public init(_ loaded: LoadedModel, scoring: ScoringConfig) {
        self.init(serving: ServingModel(loaded, scoring: scoring))
    }

    init(serving: ServingModel) {
        self.serving = serving
    }

    /// Per item: its transaction id and prediction, or its errors (indexed by position).
    struct Outcome {
        var ids: [Int64]
        var predictions: [Double]
        var errors: [[ValidationError]?]
        var hasErrors: Bool { errors.contains { $0 != nil } }
    }

    /// Decodes and scores the items, each a JSON object in `body[range]`.
    func evaluate(_ body: UnsafeRawBufferPointer, items: [Range<Int>]) -> Outcome {
        let width = serving.decoder.featureNames.count
        var rows = [Double](repeating: .nan, count: items.count * width)
        var outcome = Outcome(ids: [Int64](repeating: 0, count: items.count),
                              predictions: [Double](repeating: .nan, count: items.count),
                              errors: [[ValidationError]?](repeating: nil, count: items.count))
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            for (i, range) in items.enumerated() {
                var transaction = TransactionDecoder.Transaction()
                let row = UnsafeMutableBufferPointer(rebasing: rowBuffer[(i * width)..<((i + 1) * width)])
                let item = UnsafeRawBufferPointer(rebasing: body[range])
                outcome.errors[i] = serving.decoder.decode(item, into: row, transaction: &transaction)?.map {
                    var e = $0
                    e.index = i
                    return e
                }
                outcome.ids[i] = transaction.transactionID
            }
        }
        rows.withUnsafeBufferPointer { r in
            outcome.predictions.withUnsafeMutableBufferPointer { serving.loaded.model.predict(rows: r, into: $0) }
        }
        return outcome
    }

    /// One JSON result per item: the prediction object, or `{"detail": [...]}` for an invalid item.
    public func score(_ items: [[UInt8]]) -> [[UInt8]] {
        var joined: [UInt8] = []
        var ranges: [Range<Int>] = []
        for item in items {
            ranges.append(joined.count..<(joined.count + item.count))
            joined += item
        }
        let outcome = joined.withUnsafeBytes { evaluate($0, items: ranges) }
        return (0..<items.count).map { i in
            var w = JSONWriter(capacity: 160)
            if let e = outcome.errors[i] {
                ValidationError.write(e.map { var x = $0; x.index = nil; return x }, into: &w)
            } else {
                serving.writePrediction(id: outcome.ids[i], probability: outcome.predictions[i], into: &w)
            }
            return w.bytes
        }
    }
}
