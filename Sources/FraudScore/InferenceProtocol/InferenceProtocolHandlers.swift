import HTTPServer
import InferenceWire
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
        json(200) { $0.raw("{\"name\":\"fraudscore\",\"version\":\"1\",\"extensions\":[\"binary_tensor_data\"]}") }
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
        // The usual call, POST /v2/models/{name}/infer, without splitting the path.
        if request.method == .POST, request.path.utf8.count == 17 + info.name.utf8.count,
           request.path.utf8.suffix(6).elementsEqual("/infer".utf8), request.path.utf8.dropFirst(11).starts(with: info.name.utf8) {
            return (serving, .infer)
        }
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
        if try InferenceProtocolHandlers.headerLength(request) != nil {
            throw .inference(.badRequest, "with --feature-store, send the transactions as JSON tensors (tx_datetime as BYTES "
                             + "strings): binary tensor data is for feature matrices (tritonclient: set_data_from_numpy(x, binary_data=False))")
        }
        let (_, inputs) = try InferenceProtocolHandlers.inputs(request)
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
        let headerLength = try InferenceProtocolHandlers.headerLength(request)
        do throws(InferWireError) {
            let decoded = try request.body.withUnsafeBytes { body in
                Result { () throws(InferWireError) in try InferRequest.rest(body, headerLength: headerLength) }
            }.get()
            try InferenceScoring.checkOutputs(decoded)
            let (rows, count) = try InferenceScoring.rows(decoded.inputs, features: serving.decoder.featureNames,
                                                         allowMissing: app.scoring.allowMissingFeatures)
            let predictions = InferenceScoring.predict(serving, rows: rows, count: count)
            return inferResponse(serving, id: decoded.id, predictions: predictions,
                                 binary: decoded.wantsBinary(InferenceScoring.output))
        } catch {
            throw .inference(.badRequest, error.message)
        }
    }

    /// The binary tensor extension's `Inference-Header-Content-Length`: the JSON part's size.
    static func headerLength(_ request: HTTPRequest) throws(APIError) -> Int? {
        let parsed: Int?? = request.headers.withValue(named: "inference-header-content-length") { value in
            guard let value else { return .some(nil) }
            var n = 0
            for b in value {
                guard b >= 48 && b <= 57, n < Int.max / 100 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            return value.isEmpty ? nil : .some(n)
        }
        guard let parsed else {
            throw .inference(.badRequest, "Inference-Header-Content-Length must be the JSON header's size in bytes, a decimal number")
        }
        return parsed
    }

    /// The answer: the output as JSON data, or (when the request asks for binary data) as raw
    /// little-endian FP64 bytes after the JSON header, whose size `Inference-Header-Content-Length` gives.
    private func inferResponse(_ serving: ServingModel, id: String?, predictions: [Double], binary: Bool = false) -> HTTPResponse {
        let info = serving.loaded.info
        var response = json(200) { w in
            w.member("{\"model_name\":", info.name)
            w.member(",\"model_version\":", info.version)
            if let id {
                w.member(",\"id\":", id)
            }
            w.raw(",\"outputs\":[{\"name\":\"fraud_probability\",\"datatype\":\"FP64\",\"shape\":[")
            w.int(Int64(predictions.count))
            if binary {
                w.raw("],\"parameters\":{\"binary_data_size\":")
                w.int(Int64(predictions.count * 8))
                w.raw("}}]}")
                return
            }
            w.raw("],\"data\":[")
            for (i, p) in predictions.enumerated() {
                if i > 0 { w.raw(",") }
                w.double(p)
            }
            w.raw("]}]}")
        }
        guard binary else { return response }
        let headerCount = response.body.count
        response.body.reserveCapacity(headerCount + predictions.count * 8)
        for p in predictions { withUnsafeBytes(of: p.bitPattern.littleEndian) { response.body.append(contentsOf: $0) } }
        response.contentType = "application/octet-stream"
        response.headers.append(("Inference-Header-Content-Length", String(headerCount)))
        return response
    }

    private func json(_ status: HTTPStatus, _ body: (inout JSONWriter) -> Void) -> HTTPResponse {
        var w = JSONWriter()
        body(&w)
        return HTTPResponse(status: status, body: w.bytes)
    }
}
