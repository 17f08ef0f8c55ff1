import HTTPServer
import JSON
import Support

/// `POST /predict` with online features (`--feature-store`): each transaction's raw fields are
/// decoded, the store records it and gives its windowed features, and the row is scored. Answers
/// through the responder: a store across the network answers later while the event loop serves
/// other requests; the memory store answers in the call.
///
/// A single transaction gets the usual answer plus `"out_of_order"`; `?explain=true` adds
/// `"features"`, every feature the model saw by name. A JSON array is recorded in its order.
struct OnlinePredictHandler: Sendable {
    let app: FraudScoreApp
    let store: any FeatureStore
    let policy: StoreErrorPolicy
    let metrics: FeatureMetrics

    /// What the request decoded to, waiting for the store's answer.
    private struct Decoded: Sendable {
        var serving: ServingModel
        var rows: [Double]
        var transactions: [OnlineFeatures.Transaction]
        var isBatch: Bool
        var explain: Bool
    }

    func handle(_ request: HTTPRequest, _ responder: Responder) {
        let decoded: Decoded
        do throws(APIError) {
            decoded = try decode(request)
        } catch {
            responder.respond(app.answer(countingRejections: true) { () throws(APIError) in throw error })
            return
        }
        store.record(decoded.transactions) { [self] result in
            responder.respond(app.answer(countingRejections: true) { () throws(APIError) in try finish(decoded, result) })
        }
    }

    private func decode(_ request: HTTPRequest) throws(APIError) -> Decoded {
        try PredictHandler.checkContentType(request)
        guard let serving = app.currentModel else { throw .detail(.serviceUnavailable, APIError.noModel) }
        let isBatch = PredictHandler.isArray(request.body)
        let width = serving.decoder.featureNames.count
        var decoded = Decoded(serving: serving, rows: [], transactions: [], isBatch: isBatch,
                              explain: OnlinePredictHandler.wantsExplanation(request.query))
        var errors: [ValidationError] = []
        // withUnsafeBytes rethrows untyped errors: the typed one crosses it inside a Result.
        try request.body.withUnsafeBytes { body in
            Result { () throws(APIError) in
                let items = isBatch ? try PredictHandler(app: app).batchItems(body) : [0..<body.count]
                decoded.rows = [Double](repeating: .nan, count: items.count * width)
                decoded.transactions.reserveCapacity(items.count)
                decoded.rows.withUnsafeMutableBufferPointer { rows in
                    for (i, range) in items.enumerated() {
                        var transaction = TransactionDecoder.Transaction()
                        let row = UnsafeMutableBufferPointer(rebasing: rows[(i * width)..<((i + 1) * width)])
                        if let e = serving.decoder.decode(UnsafeRawBufferPointer(rebasing: body[range]), into: row,
                                                          transaction: &transaction) {
                            errors += isBatch ? e.map { var x = $0; x.index = i; return x } : e
                        } else if let online = transaction.online {
                            decoded.transactions.append(online)
                        }
                    }
                }
            }
        }.get()
        if !errors.isEmpty { throw .fields(.unprocessableContent, errors) }
        return decoded
    }

    private func finish(_ decoded: Decoded, _ result: Result<[OnlineFeatures.Computed], FeatureStoreError>) throws(APIError) -> HTTPResponse {
        let computed: [OnlineFeatures.Computed]
        var degraded = false
        switch result {
        case .success(let c):
            computed = c
        case .failure(let e):
            metrics.storeError()
            guard policy == .scoreWithoutHistory else {
                throw .detail(.serviceUnavailable, "The feature store is unavailable (\(e.reason)); retry, or serve with "
                              + "--on-store-error score-without-history to score without the customer's and terminal's history")
            }
            computed = decoded.transactions.map(OnlineFeatures.Computed.alone)
            degraded = true
        }
        let serving = decoded.serving
        let width = serving.decoder.featureNames.count
        var rows = decoded.rows
        let started = Clock.monotonicSeconds()
        for (i, c) in computed.enumerated() {
            for (slot, column) in serving.decoder.storeColumns { rows[i * width + slot] = c.value(column) }
            if c.outOfOrder { metrics.outOfOrder() }
        }
        var predictions = [Double](repeating: .nan, count: computed.count)
        rows.withUnsafeBufferPointer { r in
            predictions.withUnsafeMutableBufferPointer { serving.loaded.model.predict(rows: r, into: $0) }
        }
        let perItem = computed.isEmpty ? 0 : (Clock.monotonicSeconds() - started) / Double(computed.count)
        var w = JSONWriter(capacity: (decoded.explain ? 900 : 180) * computed.count + 2)
        if decoded.isBatch { w.raw("[") }
        for i in 0..<computed.count {
            if i > 0 { w.raw(",") }
            app.metrics.prediction(isFraud: predictions[i] >= serving.threshold, seconds: perItem)
            serving.writePrediction(id: decoded.transactions[i].transactionID, probability: predictions[i], into: &w) { w in
                w.raw(",\"out_of_order\":")
                w.bool(computed[i].outOfOrder)
                if degraded { w.raw(",\"features_degraded\":true") }
                if decoded.explain { explain(rows, row: i, serving: serving, into: &w) }
            }
        }
        if decoded.isBatch { w.raw("]") }
        return HTTPResponse(status: 200, body: w.bytes)
    }

    /// `,"features":{"name":value,…}`: the row the model scored.
    private func explain(_ rows: [Double], row i: Int, serving: ServingModel, into w: inout JSONWriter) {
        let names = serving.decoder.featureNames
        w.raw(",\"features\":{")
        for (k, name) in names.enumerated() {
            if k > 0 { w.raw(",") }
            w.string(name)
            w.raw(":")
            let v = rows[i * names.count + k]
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

extension OnlineFeatures.Computed {
    /// The features of a transaction whose customer and terminal have no history: what
    /// `--on-store-error score-without-history` scores when the store cannot answer.
    static func alone(_ tx: OnlineFeatures.Transaction) -> Self {
        let amount = Double(Int64((tx.amount * 100).rounded())) / 100
        return Self(customerCount: SIMD3(repeating: 1), customerAverage: SIMD3(repeating: amount))
    }
}
