import JSON
import ModelStore

extension PromotionEvidence {
    /// The `gate` member of `/models`.
    func write(into w: inout JSONWriter) {
        w.member("{\"decision\":", accepted ? "accepted" : "refused")
        w.member(",\"metric\":", metric)
        w.member(",\"serving_version\":", servingVersion)
        w.raw(",\"serving\":")
        w.double(serving)
        w.member(",\"candidate_version\":", candidateVersion)
        w.raw(",\"candidate\":")
        w.double(candidate)
        w.raw(",\"delta_interval\":[")
        w.double(deltaLow)
        w.raw(",")
        w.double(deltaHigh)
        w.member("],\"rows\":", rows)
        w.member(",\"positives\":", positives)
        w.member(",\"resamples\":", resamples)
        w.raw(",\"alpha\":")
        w.double(alpha)
        w.raw(",\"seed\":")
        w.unsigned(seed)
        w.member(",\"elapsed_ms\":", elapsedMs)
        w.member(",\"at\":", at.iso8601)
        w.raw("}")
    }
}

extension PromotionGate {
    /// The evidence as the JSON object `/models` shows under `gate`.
    public func report(_ evidence: PromotionEvidence) -> String {
        var w = JSONWriter()
        evidence.write(into: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
