import HTTPServer
import JSON

/// The Open Inference Protocol v2 (KServe, Triton, MLServer), mapped onto the served model:
/// health, server and model metadata, and `POST /v2/models/{name}[/versions/{v}]/infer` with FP32/FP64
/// tensors, either one input `[N, features]` or one input per feature named after it.
struct InferenceProtocolHandlers: Sendable {
    let app: FraudScoreApp

    func live(_ request: HTTPRequest) -> HTTPResponse {
        json(200) { $0.raw("{\"live\":true}") }
    }

    func ready(_ request: HTTPRequest) -> HTTPResponse {
        let ready = app.currentModel != nil && !app.isDraining
        return json(ready ? 200 : 503) { $0.raw(ready ? "{\"ready\":true}" : "{\"ready\":false}") }
    }

    func server(_ request: HTTPRequest) -> HTTPResponse {
        json(200) { $0.raw("{\"name\":\"fraudscore\",\"version\":\"1\",\"extensions\":[]}") }
    }

    /// Everything under `/v2/models/`.
    func models(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let (serving, route) = try resolve(request)
        switch route {
        case .metadata: return metadata(serving)
        case .ready: return json(app.isDraining ? 503 : 200) { $0.raw(app.isDraining ? "{\"ready\":false}" : "{\"ready\":true}") }
        case .infer: return try infer(request, serving)
        }
    }

    /// Everything under `/v2/models/` with online features: inference is answered when the store answers.
    func models(_ request: HTTPRequest, _ responder: Responder, scorer: OnlineScorer) {
        do throws(APIError) {
            let (serving, route) = try resolve(request)
            guard route == .infer else { return responder.respond(try models(request)) }
            let decoded = try decodeOnline(request, serving, scorer: scorer)
            scorer.score(decoded, requestID: request.id) { [self] result in
                switch result {
                case .success(let scored):
                    let id = (try? JSONValue.parse(request.body))?["id"]?.stringValue
                    responder.respond(inferResponse(serving, id: id, predictions: scored.predictions))
                case .failure(let f):
                    responder.respond(InferenceProtocolHandlers.apiError(f).response(maxErrorDetails: 100))
                }
            }
        } catch {
            responder.respond(error.response(maxErrorDetails: app.scoring.maxErrorDetails))
        }
    }

    private enum Route { case metadata, ready, infer }

    private func resolve(_ request: HTTPRequest) throws(APIError) -> (ServingModel, Route) {
        guard let serving = app.currentModel else { throw .inference(.serviceUnavailable, APIError.noModel) }
        let info = serving.loaded.info
        var parts = request.path.dropFirst("/v2/models/".count).split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        guard let name = parts.first, name == info.name else {
            throw .inference(.notFound, "Unknown model \"\(parts.first ?? "")\"; this server serves \"\(info.name)\"")
        }
        parts.removeFirst()
        if parts.count >= 2 && parts[0] == "versions" {
            guard parts[1] == info.version else {
                throw .inference(.notFound, "Unknown version \"\(parts[1])\" of \"\(name)\"; serving \"\(info.version)\"")
            }
            parts.removeFirst(2)
        }
        switch (request.method, parts) {
        case (.GET, []): return (serving, .metadata)
        case (.GET, ["ready"]): return (serving, .ready)
        case (.POST, ["infer"]): return (serving, .infer)
        case (_, []), (_, ["ready"]):
            throw .detail(.methodNotAllowed, "Method Not Allowed", headers: [("Allow", "GET")])
        case (_, ["infer"]):
            throw .detail(.methodNotAllowed, "Method Not Allowed", headers: [("Allow", "POST")])
        default:
            throw .inference(.notFound, "Not Found")
        }
    }

    /// With online features: one tensor per raw field, named after it (`tx_datetime` as BYTES
    /// strings, or INT64 Unix seconds), each row a transaction.
    private func decodeOnline(_ request: HTTPRequest, _ serving: ServingModel, scorer: OnlineScorer) throws(APIError) -> OnlineScorer.Decoded {
        let (doc, inputs) = try InferenceProtocolHandlers.inputs(request)
        var columns: [(String, [JSONValue])] = []
        for t in inputs {
            guard let name = t["name"]?.stringValue, let data = t["data"] else {
                throw .inference(.badRequest, "with --feature-store, every input is one field named after it, with data "
                                 + "(transaction_id, tx_datetime as BYTES, customer_id, terminal_id, tx_amount)")
            }
            var flat: [JSONValue] = []
            func walk(_ v: JSONValue) { if let a = v.arrayValue { a.forEach(walk) } else { flat.append(v) } }
            walk(data)
            if let count = columns.first?.1.count, flat.count != count {
                throw .inference(.badRequest, "input \"\(name)\" has \(flat.count) values, others \(count)")
            }
            columns.append((name, flat))
        }
        let records = (0..<(columns.first?.1.count ?? 0)).map { r in columns.map { ($0.0, $0.1[r]) } }
        let (body, items) = OnlineScorer.encode(records)
        return try body.withUnsafeBytes { bytes in
            Result { () throws(OnlineScorer.Failure) in try scorer.decode(bytes, items: items, serving: serving, indexed: true) }
        }.mapError { InferenceProtocolHandlers.apiError($0) }.get()
    }

    /// The request's JSON and its `inputs`, a non-empty list.
    private static func inputs(_ request: HTTPRequest) throws(APIError) -> (JSONValue, [JSONValue]) {
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(request.body)
        } catch let e {
            throw .inference(.badRequest, "Invalid JSON: \(e)")
        }
        guard let inputs = doc["inputs"]?.arrayValue, !inputs.isEmpty else {
            throw .inference(.badRequest, "The request needs \"inputs\": a list of tensors")
        }
        return (doc, inputs)
    }

    static func apiError(_ failure: OnlineScorer.Failure) -> APIError {
        switch failure {
        case .storeUnavailable(let message): .inference(.serviceUnavailable, message)
        case .invalid(let errors): .inference(.badRequest, errors.map(\.summary).joined(separator: "; "))
        }
    }

    private func metadata(_ serving: ServingModel) -> HTTPResponse {
        let info = serving.loaded.info
        let features = serving.decoder.featureNames
        return json(200) { w in
            w.member("{\"name\":", info.name)
            w.raw(",\"versions\":[")
            w.string(info.version)
            w.member("],\"platform\":", info.format.rawValue)
            w.raw(",\"inputs\":[{\"name\":\"input-0\",\"datatype\":\"FP64\",\"shape\":[-1,")
            w.int(Int64(features.count))
            w.raw("]}")
            for f in features {
                w.member(",{\"name\":", f)
                w.raw(",\"datatype\":\"FP64\",\"shape\":[-1]}")
            }
            w.raw("],\"outputs\":[{\"name\":\"fraud_probability\",\"datatype\":\"FP64\",\"shape\":[-1]}],")
            w.raw("\"parameters\":{\"features\":[")
            for (i, f) in features.enumerated() {
                if i > 0 { w.raw(",") }
                w.string(f)
            }
            w.raw("]}}")
        }
    }

    private func infer(_ request: HTTPRequest, _ serving: ServingModel) throws(APIError) -> HTTPResponse {
        let features = serving.decoder.featureNames
        let (doc, inputs) = try InferenceProtocolHandlers.inputs(request)
        var rows: [Double] = []
        var count = 0
        do {
            if inputs.count == 1, let shape = inputs[0]["shape"]?.arrayValue?.compactMap(\.intValue), shape.count == 2 {
                // One [N, features] tensor in the model's feature order.
                guard shape[1] == features.count else {
                    throw FeatureRows.Problem(message: "input shape [\(shape[0]), \(shape[1])] needs \(features.count) columns: "
                                              + features.joined(separator: ", "))
                }
                rows = try tensorData(inputs[0], expected: shape[0] * shape[1])
                count = shape[0]
            } else {
                // One tensor per feature, named after it.
                var columns: [String: [Double]] = [:]
                for t in inputs {
                    guard let name = t["name"]?.stringValue else { throw FeatureRows.Problem(message: "every input needs a name") }
                    let n = t["shape"]?.arrayValue?.first?.intValue ?? -1
                    columns[name] = try tensorData(t, expected: n)
                }
                count = columns.values.first?.count ?? 0
                for f in features where columns[f] == nil && !app.scoring.allowMissingFeatures {
                    throw FeatureRows.Problem(message: "no input named \"\(f)\" (the model's features: \(features.joined(separator: ", ")))")
                }
                for (name, values) in columns where values.count != count {
                    throw FeatureRows.Problem(message: "input \"\(name)\" has \(values.count) values, others \(count)")
                }
                rows = [Double](repeating: .nan, count: count * features.count)
                for (j, f) in features.enumerated() {
                    guard let column = columns[f] else { continue }
                    for r in 0..<count { rows[r * features.count + j] = column[r] }
                }
            }
        } catch let p as FeatureRows.Problem {
            throw .inference(.badRequest, p.message)
        } catch let e {
            throw .inference(.badRequest, "\(e)")
        }
        var predictions = [Double](repeating: .nan, count: count)
        rows.withUnsafeBufferPointer { r in
            predictions.withUnsafeMutableBufferPointer { serving.loaded.model.predict(rows: r, into: $0) }
        }
        return inferResponse(serving, id: doc["id"]?.stringValue, predictions: predictions)
    }

    private func inferResponse(_ serving: ServingModel, id: String?, predictions: [Double]) -> HTTPResponse {
        let info = serving.loaded.info
        return json(200) { w in
            w.member("{\"model_name\":", info.name)
            w.member(",\"model_version\":", info.version)
            if let id {
                w.member(",\"id\":", id)
            }
            w.raw(",\"outputs\":[{\"name\":\"fraud_probability\",\"datatype\":\"FP64\",\"shape\":[")
            w.int(Int64(predictions.count))
            w.raw("],\"data\":[")
            for (i, p) in predictions.enumerated() {
                if i > 0 { w.raw(",") }
                w.double(p)
            }
            w.raw("]}]}")
        }
    }

    /// A tensor's values, flattened (row-major), checked against its datatype and shape.
    private func tensorData(_ t: JSONValue, expected: Int) throws -> [Double] {
        let name = t["name"]?.stringValue ?? "input"
        guard let datatype = t["datatype"]?.stringValue, ["FP32", "FP64", "INT32", "INT64"].contains(datatype) else {
            throw FeatureRows.Problem(message: "input \"\(name)\": datatype must be FP32, FP64, INT32 or INT64")
        }
        guard let data = t["data"] else { throw FeatureRows.Problem(message: "input \"\(name)\" has no data") }
        var flat: [Double] = []
        func walk(_ v: JSONValue) throws {
            if let a = v.arrayValue { for x in a { try walk(x) } } else {
                let d = try FeatureRows.number(v, "input \"\(name)\" value")
                // FP32 tensors carry Float32 values: narrow as the client's float32 array would.
                flat.append(datatype == "FP32" ? Double(Float(d)) : d)
            }
        }
        try walk(data)
        if expected >= 0 && flat.count != expected {
            throw FeatureRows.Problem(message: "input \"\(name)\": shape says \(expected) values, data has \(flat.count)")
        }
        return flat
    }

    private func json(_ status: HTTPStatus, _ body: (inout JSONWriter) -> Void) -> HTTPResponse {
        var w = JSONWriter()
        body(&w)
        return HTTPResponse(status: status, body: w.bytes)
    }
}
