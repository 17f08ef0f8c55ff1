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
        decoder = TransactionDecoder(featureNames: loaded.model.featureNames, allowMissingFeatures: scoring.allowMissingFeatures)
        var w = JSONWriter(capacity: 64)
        w.member(",\"model_version\":", loaded.info.version)
        w.raw("}")
        responseTail = w.bytes
    }

    /// `{"transaction_id":…,"fraud_probability":…,"is_fraud":…,"model_version":"…"}`
    func writePrediction(id: Int64, probability p: Double, into w: inout JSONWriter) {
        w.raw("{\"transaction_id\":")
        w.int(id)
        w.raw(",\"fraud_probability\":")
        w.double(p)
        w.raw(",\"is_fraud\":")
        w.bool(p >= threshold)
        w.bytes.append(contentsOf: responseTail)
    }
}
