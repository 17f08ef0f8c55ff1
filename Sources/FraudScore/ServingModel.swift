import JSON
import Models
import ModelStore

/// A loaded model plus everything the request path needs precomputed for it: the decoder keyed to
/// its feature names and the constant tail of every response.
final class ServingModel: Sendable {
    let loaded: LoadedModel
    let decoder: TransactionDecoder
    /// `,"model_version":"…"}`: the same bytes for every response of this model.
    let responseTail: [UInt8]
    /// `is_fraud` is `fraud_probability >= threshold`.
    let threshold: Double

    init(_ loaded: LoadedModel, scoring: ScoringConfig) {
        self.loaded = loaded
        threshold = scoring.threshold ?? loaded.info.threshold ?? 0.5
        decoder = TransactionDecoder(featureNames: loaded.model.featureNames, allowMissingFeatures: scoring.allowMissingFeatures,
                                     onlineFeatures: scoring.onlineFeatures)
        var w = JSONWriter(capacity: 64)
        w.member(",\"model_version\":", loaded.info.version)
        w.raw("}")
        responseTail = w.bytes
    }

    enum Scored {
        case probability(Double)
        case invalid([ValidationError])
    }

    /// `body` decoded with this model's decoder and scored, as `/predict` scores it: for the work
    /// beside the request path (the gates, the shadow, a canary that takes other features).
    func score(_ body: UnsafeRawBufferPointer, transaction: inout TransactionDecoder.Transaction) -> Scored {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: decoder.featureNames.count) { row in
            row.initialize(repeating: .nan)
            if let errors = decoder.decode(body, into: row, transaction: &transaction) { return .invalid(errors) }
            return .probability(loaded.model.predict(UnsafeBufferPointer(row)))
        }
    }

    func score(_ body: ArraySlice<UInt8>) -> Scored {
        var transaction = TransactionDecoder.Transaction()
        return body.withUnsafeBytes { score($0, transaction: &transaction) }
    }

    /// `{"transaction_id":…,"fraud_probability":…,"is_fraud":…,"model_version":"…"}`
    @inline(__always)
    func writePrediction(id: Int64, probability p: Double, into w: inout JSONWriter) {
        writePrediction(id: id, probability: p, into: &w) { _ in }
    }

    /// The same, with more members (`extra`) before `model_version`.
    @inline(__always)
    func writePrediction(id: Int64, probability p: Double, into w: inout JSONWriter, extra: (inout JSONWriter) -> Void) {
        // One copy for the members before `extra`: 18 + 20 + 21 + 24 + 12 + 5 bytes at most.
        w.buffered(capacity: 112) { s in
            s.raw("{\"transaction_id\":")
            s.int(id)
            s.raw(",\"fraud_probability\":")
            s.double(p)
            s.raw(",\"is_fraud\":")
            s.bool(p >= threshold)
        }
        extra(&w)
        w.bytes.append(contentsOf: responseTail)
    }
}
