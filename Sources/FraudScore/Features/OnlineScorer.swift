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

    /// Records the transactions and scores them; `answer` is called once, now or later, on any thread.
    func score(_ decoded: Decoded, then answer: @escaping @Sendable (Result<Scored, Failure>) -> Void) {
        features.store.record(decoded.transactions) { [self] result in
            answer(finish(decoded, result))
        }
    }

    private func finish(_ decoded: Decoded, _ result: Result<[OnlineFeatures.Computed], FeatureStoreError>) -> Result<Scored, Failure> {
        var scored = Scored(serving: decoded.serving, rows: decoded.rows, transactions: decoded.transactions,
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
        for p in scored.predictions { app.metrics.prediction(isFraud: p >= serving.threshold, seconds: perItem) }
        return .success(scored)
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
