import HTTPServer
import JSON

/// MLflow's scoring protocol, as `mlflow models serve` speaks it: `GET /ping` and `POST /invocations`
/// with `dataframe_split`, `dataframe_records`, `instances` or `inputs`, answered with
/// `{"predictions": [...]}` from the same model as `/predict`.
struct MLflowHandlers: Sendable {
    let app: FraudScoreApp

    func ping(_ request: HTTPRequest) -> HTTPResponse {
        app.currentModel == nil ? HTTPResponse(status: 503, contentType: "text/plain", body: Array("no model loaded\n".utf8))
                                : HTTPResponse(status: 200, contentType: "text/plain", body: [0x0A])
    }

    func invocations(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
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
        var rows = FeatureRows(featureNames: serving.decoder.featureNames,
                               allowMissingFeatures: app.scoring.allowMissingFeatures)
        do {
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
                for (i, row) in data.enumerated() {
                    guard let cells = row.arrayValue, cells.count == columns.count else {
                        throw FeatureRows.Problem(message: "dataframe_split row \(i) must be a list of \(columns.count) values")
                    }
                    try rows.append(record: Array(zip(columns, cells)), row: i)
                }
            case "dataframe_records", "instances":
                guard let records = payload.arrayValue else { throw FeatureRows.Problem(message: "\(format) must be a list") }
                try append(records, to: &rows)
            case "inputs":
                if case .object(let columns) = payload {
                    // Column-oriented: {"feature": [values…], …}.
                    let n = columns.first?.1.arrayValue?.count ?? 0
                    for i in 0..<n {
                        try rows.append(record: columns.map { ($0.0, $0.1.arrayValue.map { $0.count > i ? $0[i] : .null } ?? .null) },
                                        row: i)
                    }
                } else if let list = payload.arrayValue {
                    try append(list, to: &rows)
                } else {
                    throw FeatureRows.Problem(message: "inputs must be a list of rows or an object of columns")
                }
            default:
                throw FeatureRows.Problem(message: "Unknown input format \"\(format)\": use dataframe_split, "
                                          + "dataframe_records, instances or inputs")
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
        var w = JSONWriter(capacity: 24 * predictions.count + 20)
        w.raw("{\"predictions\":[")
        for (i, p) in predictions.enumerated() {
            if i > 0 { w.raw(",") }
            w.double(p)
        }
        w.raw("]}")
        return HTTPResponse(status: 200, body: w.bytes)
    }

    /// Rows given as records (objects) or as positional lists.
    private func append(_ list: [JSONValue], to rows: inout FeatureRows) throws {
        for (i, item) in list.enumerated() {
            switch item {
            case .object(let record): try rows.append(record: record, row: i)
            case .array(let values): try rows.append(positional: values, row: i)
            default: throw FeatureRows.Problem(message: "row \(i) must be an object of columns or a list of values")
            }
        }
    }
}
