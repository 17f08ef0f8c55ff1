import HTTPServer
import JSON
import Support

/// The scoring step every protocol shares when features are computed online: transactions (JSON
/// objects of raw fields) decoded into rows, recorded by the store in their order, their windowed
/// features put into the rows, and the rows scored. Each protocol renders the outcome, and the
/// errors, in its own shape.
struct OnlineScorer: Sendable {
    let app: FraudScoreApp
    let features: OnlineFeaturesService

    /// Transactions decoded, waiting for the store.
    struct Decoded: Sendable {
        var serving: ServingModel
        var rows: [Double]
        var transactions: [OnlineFeatures.Transaction]
    }

    /// Transactions scored.
    struct Scored: Sendable {
        var serving: ServingModel
        /// The model that answered each transaction: the served one, or the canary for its customers.
        var answeredBy: [ServingModel]
        /// The rows as scored, `serving.decoder.featureNames.count` values each.
        var rows: [Double]
        var transactions: [OnlineFeatures.Transaction]
        var computed: [OnlineFeatures.Computed]
        var predictions: [Double]
        /// The store could not answer and `--on-store-error score-without-history` scored them alone.
        var degraded: Bool
    }

    enum Failure: Error {
        /// Per-field errors; with `indexed`, each carries its item's index.
        case invalid([ValidationError])
        /// The store could not answer and the policy is to refuse: the message says what to do.
        case storeUnavailable(String)
    }

    /// Decodes `body[items[i]]`, each a JSON object, into one row each; errors name the item's index
    /// when `indexed`.
    func decode(_ body: UnsafeRawBufferPointer, items: [Range<Int>], serving: ServingModel,
                indexed: Bool) throws(Failure) -> Decoded {
        let width = serving.decoder.featureNames.count
        var decoded = Decoded(serving: serving, rows: [Double](repeating: .nan, count: items.count * width), transactions: [])
        decoded.transactions.reserveCapacity(items.count)
        var errors: [ValidationError] = []
        decoded.rows.withUnsafeMutableBufferPointer { rows in
            for (i, range) in items.enumerated() {
                var transaction = TransactionDecoder.Transaction()
                let row = UnsafeMutableBufferPointer(rebasing: rows[(i * width)..<((i + 1) * width)])
                if let e = serving.decoder.decode(UnsafeRawBufferPointer(rebasing: body[range]), into: row,
                                                  transaction: &transaction) {
                    errors += indexed ? e.map { var x = $0; x.index = i; return x } : e
                } else if let online = transaction.online {
                    decoded.transactions.append(online)
                }
            }
        }
        if !errors.isEmpty { throw .invalid(errors) }
        return decoded
    }

    /// Records the transactions and scores them (a canary answers its customers' share, a shadow gets
    /// its sample); `answer` is called once, now or later, on any thread.
    func score(_ decoded: Decoded, requestID: RequestID,
               then answer: @escaping @Sendable (Result<Scored, Failure>) -> Void) {
        features.store.record(decoded.transactions) { [self] result in
            answer(finish(decoded, result, requestID: requestID))
        }
    }

    private func finish(_ decoded: Decoded, _ result: Result<[OnlineFeatures.Computed], FeatureStoreError>,
                        requestID: RequestID) -> Result<Scored, Failure> {
        var scored = Scored(serving: decoded.serving, answeredBy: [], rows: decoded.rows, transactions: decoded.transactions,
                            computed: [], predictions: [], degraded: false)
        switch result {
        case .success(let c):
            scored.computed = c
        case .failure(let e):
            features.metrics.storeError()
            guard features.policy == .scoreWithoutHistory else {
                return .failure(.storeUnavailable("The feature store is unavailable (\(e.reason)); retry, or serve with "
                    + "--on-store-error score-without-history to score without the customer's and terminal's history"))
            }
            scored.computed = decoded.transactions.map(OnlineFeatures.Computed.alone)
            scored.degraded = true
        }
        let serving = decoded.serving
        let width = serving.decoder.featureNames.count
        let started = Clock.monotonicSeconds()
        for (i, c) in scored.computed.enumerated() {
            for (slot, column) in serving.decoder.storeColumns { scored.rows[i * width + slot] = c.value(column) }
            if c.outOfOrder { features.metrics.outOfOrder() }
        }
        scored.predictions = [Double](repeating: .nan, count: scored.computed.count)
        scored.rows.withUnsafeBufferPointer { r in
            scored.predictions.withUnsafeMutableBufferPointer { serving.loaded.model.predict(rows: r, into: $0) }
        }
        let perItem = scored.computed.isEmpty ? 0 : (Clock.monotonicSeconds() - started) / Double(scored.computed.count)
        scored.answeredBy = [ServingModel](repeating: serving, count: scored.predictions.count)
        for i in scored.predictions.indices {
            if let canary = app.canary, let model = canary.route(customerID: scored.transactions[i].customerID),
               let p = answerByCanary(model, canary, scored, row: i) {
                scored.predictions[i] = p
                scored.answeredBy[i] = model
            } else {
                app.canary?.record(.served, score: scored.predictions[i])
            }
            let answered = scored.answeredBy[i]
            app.metrics.prediction(isFraud: scored.predictions[i] >= answered.threshold, seconds: perItem)
            if let shadow = app.shadow {
                shadow.offer(requestID: requestID, transactionID: scored.transactions[i].transactionID, served: answered,
                             probability: scored.predictions[i]) { OnlineScorer.asSent(scored, row: i) }
            }
        }
        return .success(scored)
    }

    /// The canary's score for a transaction of its share: the row as computed when it takes the same
    /// features, else the transaction with those features, decoded as sent; nil (counted as its
    /// error) when it cannot score it, and the served model answers.
    private func answerByCanary(_ model: ServingModel, _ canary: CanaryRouter, _ scored: Scored, row i: Int) -> Double? {
        let width = scored.serving.decoder.featureNames.count
        let outcome = scored.rows.withUnsafeBufferPointer {
            canary.score(model, served: scored.serving, row: UnsafeBufferPointer(rebasing: $0[(i * width)..<((i + 1) * width)]),
                         body: { OnlineScorer.asSent(scored, row: i) })
        }
        guard case .probability(let p) = outcome else { return nil }
        return p
    }

    /// Transaction `i` as a client would have sent it with its features precomputed: its raw fields
    /// and every feature the served model saw, by name (what a shadow or a canary with other
    /// features reads).
    static func asSent(_ scored: Scored, row i: Int) -> [UInt8] {
        let tx = scored.transactions[i]
        let names = scored.serving.decoder.featureNames
        var w = JSONWriter(capacity: 64 + 48 * names.count)
        w.raw("{\"transaction_id\":")
        w.int(tx.transactionID)
        w.raw(",\"customer_id\":")
        w.int(tx.customerID)
        w.raw(",\"terminal_id\":")
        w.int(tx.terminalID)
        w.raw(",\"tx_datetime\":")
        w.double(Double(tx.time) / Double(OnlineFeatures.second))
        w.raw(",\"tx_amount\":")
        w.double(tx.amount)
        for (k, name) in names.enumerated() where name != TransactionSchema.amountField {
            w.raw(",")
            w.string(name)
            w.raw(":")
            let v = scored.rows[i * names.count + k]
            if v.isNaN { w.raw("null") } else { w.double(v) }
        }
        w.raw("}")
        return w.bytes
    }

    /// Records of named fields (the column-oriented protocols' rows) as the JSON objects `decode`
    /// reads: one buffer and each record's range in it.
    static func encode(_ records: [[(String, JSONValue)]]) -> (body: [UInt8], items: [Range<Int>]) {
        var w = JSONWriter(capacity: 400 * records.count)
        var items: [Range<Int>] = []
        for record in records {
            let start = w.bytes.count
            JSONValue.object(record).write(into: &w)
            items.append(start..<w.bytes.count)
        }
        return (w.bytes, items)
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
