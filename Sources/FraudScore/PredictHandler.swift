import HTTPServer
import JSON
import Support

/// `POST /predict`: one transaction in, `{"transaction_id", "fraud_probability", "is_fraud",
/// "model_version"}` out. Scored inline on the event-loop thread: a 200-tree model costs
/// microseconds, less than a hop to another thread would.
struct PredictHandler: Sendable {
    let app: FraudScoreApp

    /// 415 unless the body is JSON (or has no Content-Type).
    @inline(__always)
    static func checkContentType(_ request: HTTPRequest) throws(APIError) {
        if !request.headers.withValue(of: .contentType, { $0 == nil || PredictHandler.isJSON($0!) }) {
            let contentType = request.headers["content-type"] ?? ""
            throw .fields(.unsupportedMediaType, [ValidationError(
                type: .unsupportedMediaType, loc: .header("content-type"),
                msg: "Content-Type must be application/json, got \(contentType)")])
        }
    }

    func handle(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        try PredictHandler.checkContentType(request)
        guard let serving = app.currentModel else { throw .detail(.serviceUnavailable, APIError.noModel) }
        if PredictHandler.isArray(request.body) {
            return try batch(request.body, serving: serving)
        }
        let featureCount = serving.decoder.featureNames.count
        var invalid: [ValidationError]? = nil
        let scored = withUnsafeTemporaryAllocation(of: Double.self, capacity: featureCount) { row -> HTTPResponse? in
            row.initialize(repeating: .nan)
            var transaction = TransactionDecoder.Transaction()
            invalid = request.body.withUnsafeBytes { serving.decoder.decode($0, into: row, transaction: &transaction) }
            if invalid != nil { return nil }
            if let canary = app.canary, let model = canary.route(customerID: transaction.customerID),
               let answer = answerByCanary(request, model, canary, row: UnsafeBufferPointer(row), served: serving,
                                           transactionID: transaction.transactionID, invalid: &invalid) {
                return answer
            }
            if invalid != nil { return nil }
            let started = Clock.monotonicSeconds()
            let p = serving.loaded.model.predict(UnsafeBufferPointer(row))
            app.metrics.prediction(isFraud: p >= serving.threshold, seconds: Clock.monotonicSeconds() - started)
            app.canary?.record(.served, score: p)
            if let shadow = app.shadow {
                shadow.offer(request, transactionID: transaction.transactionID, served: serving, probability: p)
            }
            var w = JSONWriter(bytes: SpareBytes.take(capacity: 160))
            serving.writePrediction(id: transaction.transactionID, probability: p, into: &w)
            var response = HTTPResponse(status: 200, body: w.bytes)
            response.bodyIsSpare = true
            return response
        }
        // The error is thrown out here: withUnsafeTemporaryAllocation's closure cannot throw a typed one.
        guard let scored else { throw .fields(.unprocessableContent, invalid ?? []) }
        return scored
    }

    /// A JSON array of transactions: all valid, an array of results in the same order; any invalid,
    /// 422 listing every item's errors with its index (`["body", 3, "tx_amount"]`), as FastAPI does
    /// for a list body.
    private func batch(_ bytes: [UInt8], serving: ServingModel) throws(APIError) -> HTTPResponse {
        // withUnsafeBytes rethrows untyped errors: the typed one crosses it inside a Result.
        try bytes.withUnsafeBytes { body in
            Result { () throws(APIError) in try batch(body, items: try batchItems(body), serving: serving) }
        }.get()
    }

    /// The byte ranges of a batch's items; every item is scanned as JSON, not yet decoded.
    func batchItems(_ body: UnsafeRawBufferPointer) throws(APIError) -> [Range<Int>] {
        var items: [Range<Int>] = []
        var scanner = JSONScanner(body)
        do {
            _ = scanner.consume(UInt8(ascii: "["))
            if !scanner.consume(UInt8(ascii: "]")) {
                repeat {
                    scanner.skipWhitespace()
                    let start = scanner.position
                    try scanner.skipValue(depth: 1)
                    items.append(start..<scanner.position)
                    guard items.count <= app.scoring.maxBatchSize else {
                        throw APIError.fields(.unprocessableContent, [ValidationError(
                            type: .tooLong, loc: .body,
                            msg: "List should have at most \(app.scoring.maxBatchSize) items (--max-batch-size); split the batch")])
                    }
                } while scanner.consume(UInt8(ascii: ","))
                try scanner.expect(UInt8(ascii: "]"), "Expecting ',' delimiter")
            }
            try scanner.expectEnd()
        } catch let e as APIError {
            throw e
        } catch let e as JSONError {
            throw .fields(.unprocessableContent, [ValidationError(type: .jsonInvalid, loc: .offset(e.offset),
                                                                  msg: "JSON decode error", context: e.message)])
        } catch {
            throw .fields(.unprocessableContent, [ValidationError(type: .jsonInvalid, loc: .body, msg: "JSON decode error")])
        }
        return items
    }

    /// Scores a batch whose items all decode; any item's errors make the whole batch a 422.
    private func batch(_ body: UnsafeRawBufferPointer, items: [Range<Int>], serving: ServingModel) throws(APIError) -> HTTPResponse {
        let started = Clock.monotonicSeconds()
        let outcome = BatchScorer(serving: serving).evaluate(body, items: items)
        if outcome.hasErrors { throw .fields(.unprocessableContent, outcome.errors.compactMap { $0 }.flatMap { $0 }) }
        let perItem = items.isEmpty ? 0 : (Clock.monotonicSeconds() - started) / Double(items.count)
        var w = JSONWriter(capacity: 128 * items.count + 2)
        w.raw("[")
        for i in 0..<items.count {
            if i > 0 { w.raw(",") }
            let p = outcome.predictions[i]
            app.metrics.prediction(isFraud: p >= serving.threshold, seconds: perItem)
            serving.writePrediction(id: outcome.ids[i], probability: p, into: &w)
        }
        w.raw("]")
        return HTTPResponse(status: 200, body: w.bytes)
    }

    /// The canary's answer for a customer in its share: the row as decoded when both models take the
    /// same features, else the body decoded again for the canary, whose refusal is its answer (and
    /// counts as its error). A non-finite score counts as its error too, and the served model answers.
    private func answerByCanary(_ request: HTTPRequest, _ model: ServingModel, _ canary: CanaryRouter,
                                row: UnsafeBufferPointer<Double>, served: ServingModel, transactionID: Int64,
                                invalid: inout [ValidationError]?) -> HTTPResponse? {
        let started = Clock.monotonicSeconds()
        let p: Double
        switch canary.score(model, served: served, row: row, body: { request.body }) {
        case .probability(let probability): p = probability
        case .refused(let errors):
            invalid = errors
            return nil
        case .failed:
            return nil
        }
        app.metrics.prediction(isFraud: p >= model.threshold, seconds: Clock.monotonicSeconds() - started)
        var w = JSONWriter(capacity: 160)
        model.writePrediction(id: transactionID, probability: p, into: &w)
        return HTTPResponse(status: 200, body: w.bytes)
    }

    /// True when the body's first non-blank byte opens an array.
    static func isArray(_ body: [UInt8]) -> Bool {
        body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 } == UInt8(ascii: "[")
    }

    /// application/json (any parameters) or a structured-syntax `+json` type; compared in place,
    /// without lowercased copies, since every request passes here.
    static func isJSON(_ contentType: String) -> Bool {
        var ct = contentType
        return ct.withUTF8 { isJSON(UnsafeRawBufferPointer($0)) }
    }

    static func isJSON(_ contentType: UnsafeRawBufferPointer) -> Bool {
        // What nearly every client sends, exactly "application/json": two 8-byte words compared,
        // little-endian ("applicat", "ion/json").
        if contentType.count == 16, contentType.loadUnaligned(as: UInt64.self) == 0x7461_6369_6C70_7061,
           contentType.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == 0x6E6F_736A_2F6E_6F69 {
            return true
        }
        return contentType.withMemoryRebound(to: UInt8.self) { bytes -> Bool in
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
