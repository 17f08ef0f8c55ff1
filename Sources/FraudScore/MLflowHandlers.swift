import HTTPServer
import JSON

/// MLflow's scoring protocol, as `mlflow models serve` speaks it: `GET /ping` and `POST /invocations`
/// with `dataframe_split`, `dataframe_records`, `instances` or `inputs`, answered with
/// `{"predictions": [...]}` from the same model as `/predict`. With online features, rows carry
/// the raw fields by name and are recorded in their order, as a `/predict` batch is.
struct MLflowHandlers: Sendable {
    let app: FraudScoreApp

    func ping(_ request: HTTPRequest) -> HTTPResponse {
        app.currentModel == nil ? HTTPResponse(status: 503, contentType: "text/plain", body: Array("no model loaded\n".utf8))
                                : HTTPResponse(status: 200, contentType: "text/plain", body: [0x0A])
    }

    /// A row of the input: named columns, or values in the model's feature order.
    enum Row {
        case record([(String, JSONValue)])
        case positional([JSONValue])
    }

    func invocations(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let (serving, input) = try parse(request)
        var rows = FeatureRows(featureNames: serving.decoder.featureNames,
                               allowMissingFeatures: app.scoring.allowMissingFeatures)
        do {
            for (i, row) in input.enumerated() {
                switch row {
                case .record(let record): try rows.append(record: record, row: i)
                case .positional(let values): try rows.append(positional: values, row: i)
                }
            }
        } catch let p as FeatureRows.Problem {
            throw .mlflow(.badRequest, p.message)
        } catch let e {
            throw .mlflow(.badRequest, "\(e)")
        }
        var predictions = [Double](repeating: .nan, count: rows.count)
        rows.values.withUnsafeBufferPointer { r in
            predictions.withUnsafeMutableBufferPointer { serving.loaded.model.predict(rows: r, into: $0) }
        }
        return MLflowHandlers.predictions(predictions)
    }

    /// With online features: the rows' raw fields recorded and scored, answered when the store answers.
    func invocations(_ request: HTTPRequest, _ responder: Responder, scorer: OnlineScorer) {
        let decoded: OnlineScorer.Decoded
        do throws(APIError) {
            let (serving, input) = try parse(request)
            var records: [[(String, JSONValue)]] = []
            for (i, row) in input.enumerated() {
                guard case .record(let record) = row else {
                    throw .mlflow(.badRequest, "row \(i) is a list of values: with --feature-store, rows name their columns "
                                  + "(transaction_id, tx_datetime, customer_id, terminal_id, tx_amount)")
                }
                records.append(record)
            }
            let (body, items) = OnlineScorer.encode(records)
            decoded = try body.withUnsafeBytes { bytes in
                Result { () throws(OnlineScorer.Failure) in try scorer.decode(bytes, items: items, serving: serving, indexed: true) }
            }.mapError { MLflowHandlers.apiError($0) }.get()
        } catch {
            responder.respond(error.response(maxErrorDetails: app.scoring.maxErrorDetails))
            return
        }
        scorer.score(decoded, requestID: request.id) { result in
            switch result {
            case .success(let scored): responder.respond(MLflowHandlers.predictions(scored.predictions))
            case .failure(let f): responder.respond(MLflowHandlers.apiError(f).response(maxErrorDetails: 100))
            }
        }
    }

    static func apiError(_ failure: OnlineScorer.Failure) -> APIError {
        switch failure {
        case .storeUnavailable(let message): .mlflow(.serviceUnavailable, message)
        case .invalid(let errors): .mlflow(.badRequest, errors.map(\.summary).joined(separator: "; "))
        }
    }

    static func predictions(_ predictions: [Double]) -> HTTPResponse {
        var w = JSONWriter(capacity: 24 * predictions.count + 20)
        w.raw("{\"predictions\":[")
        for (i, p) in predictions.enumerated() {
            if i > 0 { w.raw(",") }
            w.double(p)
        }
        w.raw("]}")
        return HTTPResponse(status: 200, body: w.bytes)
    }

    /// The served model and the request's rows, in whichever of MLflow's input formats it uses.
    private func parse(_ request: HTTPRequest) throws(APIError) -> (ServingModel, [Row]) {
        if let ct = request.headers["content-type"], !PredictHandler.isJSON(ct) {
            throw .mlflow(.unsupportedMediaType, "Content-Type must be application/json (CSV input is not supported), got \(ct)")
        }
        guard let serving = app.currentModel else { throw .mlflow(.serviceUnavailable, APIError.noModel) }
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(request.body)
        } catch let e {
            throw .mlflow(.badRequest, "Invalid JSON input: \(e)")
        }
        do {
            return (serving, try MLflowHandlers.rows(doc))
        } catch let p as FeatureRows.Problem {
            throw .mlflow(.badRequest, p.message)
        } catch let e {
            throw .mlflow(.badRequest, "\(e)")
        }
    }

    static func rows(_ doc: JSONValue) throws -> [Row] {
        guard case .object(let members) = doc, members.count == 1 else {
            throw FeatureRows.Problem(message: "The input must be a JSON object with exactly one of the keys "
                                      + "dataframe_split, dataframe_records, instances or inputs")
        }
        let (format, payload) = members[0]
        switch format {
        case "dataframe_split":
            guard let columns = payload["columns"]?.arrayValue?.compactMap(\.stringValue),
                  let data = payload["data"]?.arrayValue else {
                throw FeatureRows.Problem(message: "dataframe_split needs \"columns\" (strings) and \"data\" (rows)")
            }
            return try data.enumerated().map { i, row in
                guard let cells = row.arrayValue, cells.count == columns.count else {
                    throw FeatureRows.Problem(message: "dataframe_split row \(i) must be a list of \(columns.count) values")
                }
                return .record(Array(zip(columns, cells)))
            }
        case "dataframe_records", "instances":
            guard let records = payload.arrayValue else { throw FeatureRows.Problem(message: "\(format) must be a list") }
            return try list(records)
        case "inputs":
            if case .object(let columns) = payload {
                // Column-oriented: {"feature": [values…], …}.
                let n = columns.first?.1.arrayValue?.count ?? 0
                return (0..<n).map { i in
                    .record(columns.map { ($0.0, $0.1.arrayValue.map { $0.count > i ? $0[i] : .null } ?? .null) })
                }
            } else if let rows = payload.arrayValue {
                return try list(rows)
            }
            throw FeatureRows.Problem(message: "inputs must be a list of rows or an object of columns")
        default:
            throw FeatureRows.Problem(message: "Unknown input format \"\(format)\": use dataframe_split, "
                                      + "dataframe_records, instances or inputs")
        }
    }

    /// Rows given as records (objects) or as positional lists.
    private static func list(_ items: [JSONValue]) throws -> [Row] {
        try items.enumerated().map { i, item in
            switch item {
            case .object(let record): return .record(record)
            case .array(let values): return .positional(values)
            default: throw FeatureRows.Problem(message: "row \(i) must be an object of columns or a list of values")
            }
        }
    }
}
