import HTTPServer
import JSON
import Support

/// `POST /feedback`: labels for transactions already scored, `{"transaction_id": 7, "is_fraud": true}`
/// or an array of them, which terminal risk uses from then on. Idempotent (the last label given
/// counts). Each label is answered `recorded`, or `unknown` when the store does not hold its
/// transaction (never scored here, or older than the terminal windows reach); a single label gets
/// an object, an array gets an array in the same order. When the store cannot answer, 503: nothing
/// was recorded, and the client retries.
struct FeedbackHandler: Sendable {
    let app: FraudScoreApp
    let store: any FeatureStore
    let metrics: FeatureMetrics

    func handle(_ request: HTTPRequest, _ responder: Responder) {
        let labels: [FeedbackLabel], isBatch: Bool
        do throws(APIError) {
            (labels, isBatch) = try decode(request)
        } catch {
            responder.respond(error.response(maxErrorDetails: app.scoring.maxErrorDetails))
            return
        }
        store.label(labels) { [metrics] result in
            switch result {
            case .failure(let e):
                metrics.label("refused", count: labels.count)
                responder.respond(.detail(.serviceUnavailable,
                                          "The feature store is unavailable (\(e.reason)); no label was recorded: retry"))
            case .success(let outcomes):
                var w = JSONWriter(capacity: 64 * labels.count + 2)
                if isBatch { w.raw("[") }
                for (i, outcome) in outcomes.enumerated() {
                    if i > 0 { w.raw(",") }
                    w.raw("{\"transaction_id\":")
                    w.int(labels[i].transactionID)
                    switch outcome {
                    case .recorded:
                        metrics.label("recorded")
                        w.raw(",\"status\":\"recorded\"}")
                    case .unknown:
                        metrics.label("unknown")
                        w.raw(",\"status\":\"unknown\",\"detail\":\"not held by the feature store: never scored with it, or older than the 37 days terminal windows reach\"}")
                    }
                }
                if isBatch { w.raw("]") }
                responder.respond(HTTPResponse(status: 200, body: w.bytes))
            }
        }
    }

    private func decode(_ request: HTTPRequest) throws(APIError) -> ([FeedbackLabel], isBatch: Bool) {
        try PredictHandler.checkContentType(request)
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(request.body)
        } catch {
            throw .fields(.unprocessableContent, [ValidationError(type: .jsonInvalid, loc: .body, msg: "JSON decode error")])
        }
        let items: [JSONValue], isBatch: Bool
        if case .array(let a) = doc { (items, isBatch) = (a, true) } else { (items, isBatch) = ([doc], false) }
        guard items.count <= app.scoring.maxBatchSize else {
            throw .fields(.unprocessableContent, [ValidationError(
                type: .tooLong, loc: .body,
                msg: "List should have at most \(app.scoring.maxBatchSize) items (--max-batch-size); split the labels")])
        }
        var labels: [FeedbackLabel] = [], errors: [ValidationError] = []
        for (i, item) in items.enumerated() {
            var e: [ValidationError] = []
            let label = FeedbackHandler.label(item, errors: &e)
            if let label { labels.append(label) }
            errors += e.map { var x = $0; if isBatch { x.index = i }; return x }
        }
        if !errors.isEmpty { throw .fields(.unprocessableContent, errors) }
        return (labels, isBatch)
    }

    /// One label: `transaction_id` (or the course data's `tranaction_id`) an integer, `is_fraud` a
    /// boolean, 0 or 1 (the course data's `tx_fraud` is read too).
    static func label(_ item: JSONValue, errors: inout [ValidationError]) -> FeedbackLabel? {
        guard case .object = item else {
            errors.append(ValidationError(type: .modelAttributesType, loc: .body,
                                          msg: "Input should be an object like {\"transaction_id\": 7, \"is_fraud\": true}"))
            return nil
        }
        var id: Int64?
        if let v = item["transaction_id"] ?? item["tranaction_id"] {
            // Lax as /predict reads it: an integer, an integer string, or a boolean.
            switch v {
            case .number(let n) where n.int64 != nil: id = n.int64
            case .number(let n) where n.double.rounded() == n.double && abs(n.double) < 9.2e18: id = Int64(n.double)  // 12.0
            case .string(let s) where Int64(s.trimming(" ")) != nil: id = Int64(s.trimming(" "))
            case .bool(let b): id = b ? 1 : 0
            default:
                errors.append(ValidationError(type: .intType, loc: .field("transaction_id"), msg: "Input should be a valid integer"))
            }
        } else {
            errors.append(.missing("transaction_id"))
        }
        var fraud: Bool?
        if let v = item["is_fraud"] ?? item["tx_fraud"] {
            switch v {
            case .bool(let b): fraud = b
            case .number(let n) where n.int64 == 0 || n.int64 == 1: fraud = n.int64 == 1
            default:
                errors.append(ValidationError(type: .boolParsing, loc: .field("is_fraud"),
                                              msg: "Input should be a valid boolean (true or false, 1 or 0)"))
            }
        } else {
            errors.append(.missing("is_fraud"))
        }
        guard let id, let fraud else { return nil }
        return FeedbackLabel(transactionID: id, fraud: fraud)
    }
}
