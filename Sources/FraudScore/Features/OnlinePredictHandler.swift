import HTTPServer
import JSON

/// `POST /predict` with online features (`--feature-store`): each transaction's raw fields are
/// decoded, the store records it and gives its windowed features, and the row is scored. Answers
/// through the responder: a store across the network answers later while the event loop serves
/// other requests; the memory store answers in the call.
///
/// A transaction gets the usual answer plus `"out_of_order"` (older than what the store held for
/// its customer or terminal); `?explain=true` adds `"features"`, every feature the model saw by
/// name. A JSON array is recorded in its order and answered with an array.
struct OnlinePredictHandler: Sendable {
    let app: FraudScoreApp
    let scorer: OnlineScorer

    func handle(_ request: HTTPRequest, _ responder: Responder) {
        let decoded: OnlineScorer.Decoded, isBatch: Bool
        do throws(APIError) {
            (decoded, isBatch) = try decode(request)
        } catch {
            responder.respond(app.answer(countingRejections: true) { () throws(APIError) in throw error })
            return
        }
        let explain = OnlinePredictHandler.wantsExplanation(request.query)
        scorer.score(decoded, requestID: request.id) { [app] result in
            responder.respond(app.answer(countingRejections: true) { () throws(APIError) in
                switch result {
                case .success(let scored): return OnlinePredictHandler.render(scored, isBatch: isBatch, explain: explain)
                case .failure(.storeUnavailable(let message)): throw .detail(.serviceUnavailable, message)
                case .failure(.invalid(let errors)): throw .fields(.unprocessableContent, errors)
                }
            })
        }
    }

    private func decode(_ request: HTTPRequest) throws(APIError) -> (OnlineScorer.Decoded, isBatch: Bool) {
        try PredictHandler.checkContentType(request)
        guard let serving = app.currentModel else { throw .detail(.serviceUnavailable, APIError.noModel) }
        let isBatch = PredictHandler.isArray(request.body)
        // withUnsafeBytes rethrows untyped errors: the typed one crosses it inside a Result.
        let decoded = request.body.withUnsafeBytes { body in
            Result { () throws(APIError) in
                let items = isBatch ? try PredictHandler(app: app).batchItems(body) : [0..<body.count]
                do throws(OnlineScorer.Failure) {
                    return try scorer.decode(body, items: items, serving: serving, indexed: isBatch)
                } catch {
                    guard case .invalid(let errors) = error else { throw .detail(.internalServerError, "\(error)") }
                    throw .fields(.unprocessableContent, errors)
                }
            }
        }
        return (try decoded.get(), isBatch)
    }

    static func render(_ scored: OnlineScorer.Scored, isBatch: Bool, explain: Bool) -> HTTPResponse {
        let n = scored.computed.count
        var w = JSONWriter(capacity: (explain ? 900 : 180) * n + 2)
        if isBatch { w.raw("[") }
        for i in 0..<n {
            if i > 0 { w.raw(",") }
            scored.answeredBy[i].writePrediction(id: scored.transactions[i].transactionID, probability: scored.predictions[i],
                                                 into: &w) { w in
                w.raw(",\"out_of_order\":")
                w.bool(scored.computed[i].outOfOrder)
                if scored.degraded { w.raw(",\"features_degraded\":true") }
                if explain { writeFeatures(scored, row: i, into: &w) }
            }
        }
        if isBatch { w.raw("]") }
        return HTTPResponse(status: 200, body: w.bytes)
    }

    /// `,"features":{"name":value,…}`: the row the model scored.
    static func writeFeatures(_ scored: OnlineScorer.Scored, row i: Int, into w: inout JSONWriter) {
        let names = scored.serving.decoder.featureNames
        w.raw(",\"features\":{")
        for (k, name) in names.enumerated() {
            if k > 0 { w.raw(",") }
            w.string(name)
            w.raw(":")
            let v = scored.rows[i * names.count + k]
            if v.isNaN { w.raw("null") } else { w.double(v) }
        }
        w.raw("}")
    }

    /// `explain=true` (or `1`) among the query's parameters.
    static func wantsExplanation(_ query: String) -> Bool {
        guard !query.isEmpty else { return false }
        return query.split(separator: "&").contains { $0 == "explain=true" || $0 == "explain=1" }
    }
}
