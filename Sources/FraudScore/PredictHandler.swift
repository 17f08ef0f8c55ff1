import HTTPServer
import JSON

/// `POST /predict`: one transaction in, `{"transaction_id", "fraud_probability", "is_fraud",
/// "model_version"}` out. Scored inline on the event-loop thread: a 200-tree model costs
/// microseconds, less than a hop to another thread would.
struct PredictHandler: Sendable {
    let app: FraudScoreApp

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        if let contentType = request.headers["content-type"], !PredictHandler.isJSON(contentType) {
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
            if let errors { return app.errorResponse(422, errors) }
            let p = serving.loaded.model.predict(UnsafeBufferPointer(row))
            var w = JSONWriter(capacity: 160)
            w.raw("{\"transaction_id\":")
            w.int(transaction.transactionID)
            w.raw(",\"fraud_probability\":")
            w.double(p)
            w.raw(",\"is_fraud\":")
            w.bool(p >= app.scoring.threshold)
            w.bytes.append(contentsOf: serving.responseTail)
            return HTTPResponse(status: 200, body: w.bytes)
        }
    }

    /// application/json (any parameters) or a structured-syntax `+json` type.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters() } ?? ""
        let lower = mediaType.lowercased()
        return lower == "application/json" || (lower.hasPrefix("application/") && lower.hasSuffix("+json"))
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
