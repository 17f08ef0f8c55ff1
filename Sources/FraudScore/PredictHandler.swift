import HTTPServer
import JSON

/// `POST /predict`: one transaction in, `{"transaction_id", "fraud_probability", "is_fraud",
/// "model_version"}` out. Scored inline on the event-loop thread: a 200-tree model costs
/// microseconds, less than a hop to another thread would.
struct PredictHandler: Sendable {
    let app: FraudScoreApp

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        if let contentType = request.headers["content-type"], !PredictHandler.isJSON(contentType) {
            app.metrics.rejected(status: 415)
            return app.errorResponse(415, [ValidationError(
                type: "unsupported_media_type", loc: .header("content-type"),
                msg: "Content-Type must be application/json, got \(contentType)")])
        }
        guard let serving = app.currentModel else {
            return .detail(503, "No model is loaded yet")
        }
        let featureCount = serving.decoder.featureNames.count
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: featureCount) { row in
            row.initialize(repeating: .nan)
            var transaction = TransactionDecoder.Transaction()
            let errors = request.body.withUnsafeBytes { serving.decoder.decode($0, into: row, transaction: &transaction) }
            if let errors {
                app.metrics.rejected(status: 422)
                return app.errorResponse(422, errors)
            }
            let started = HTTPMetrics.now()
            let p = serving.loaded.model.predict(UnsafeBufferPointer(row))
            app.metrics.prediction(isFraud: p >= app.scoring.threshold, seconds: HTTPMetrics.now() - started)
            var w = JSONWriter(capacity: 160)
            serving.writePrediction(id: transaction.transactionID, probability: p, threshold: app.scoring.threshold, into: &w)
            return HTTPResponse(status: 200, body: w.bytes)
        }
    }

    /// application/json (any parameters) or a structured-syntax `+json` type; compared in place,
    /// without lowercased copies, since every request passes here.
    static func isJSON(_ contentType: String) -> Bool {
        var ct = contentType
        return ct.withUTF8 { bytes -> Bool in
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            while end > 0 && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
            let mediaType = UnsafeBufferPointer(rebasing: bytes[0..<end])
            func lower(_ c: UInt8) -> UInt8 { c &- 65 < 26 ? c | 0x20 : c }
            func hasPrefix(_ s: StaticString, in b: UnsafeBufferPointer<UInt8>) -> Bool {
                let n = s.utf8CodeUnitCount
                guard b.count >= n else { return false }
                for k in 0..<n where lower(b[k]) != s.utf8Start[k] { return false }
                return true
            }
            guard hasPrefix("application/", in: mediaType) else { return false }
            let subtype = UnsafeBufferPointer(rebasing: mediaType[12...])
            if subtype.count == 4 && hasPrefix("json", in: subtype) { return true }
            return subtype.count > 5 && hasPrefix("+json", in: UnsafeBufferPointer(rebasing: subtype[(subtype.count - 5)...]))
        }
    }
}
