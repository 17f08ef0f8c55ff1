import HTTPServer
import InferenceProto
import InferenceWire
import JSON
import Support
import SwiftProtobuf

/// The Open Inference Protocol over gRPC (`inference.GRPCInferenceService`), on the HTTP/2 the
/// server already speaks (h2c, and TLS with ALPN h2): the same model, answers, metrics, request
/// ids and access log as REST. ModelInfer is decoded and encoded by `ModelInferWire` on the
/// request path; the rarer RPCs use the messages generated from grpc_predict_v2.proto.
struct GRPCInferenceService: Sendable {
    static let prefix = "/inference.GRPCInferenceService/"
    /// The RPCs served, named as in the path after the prefix.
    enum Method: String, CaseIterable {
        case ModelInfer, ServerLive, ServerReady, ModelReady, ServerMetadata, ModelMetadata
    }

    let app: FraudScoreApp

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        do throws(GRPCFailure) {
            let (method, message) = try GRPCInferenceService.call(request)
            return GRPCInferenceService.ok(framed: try answer(method, message))
        } catch {
            return GRPCInferenceService.failure(error)
        }
    }

    /// The request's method and message, after the checks every call gets.
    private static func call(_ request: HTTPRequest) throws(GRPCFailure) -> (Method, ArraySlice<UInt8>) {
        guard let method = Method(rawValue: String(decoding: request.path.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)) else {
            throw GRPCFailure(.unimplemented, "unknown method \(request.path); GRPCInferenceService here serves "
                              + Method.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let identity = request.headers.withValue(named: "grpc-encoding") { v in v.map { $0.elementsEqual("identity".utf8) } ?? true }
        guard identity else {
            throw GRPCFailure(.unimplemented, "grpc-encoding \(request.headers["grpc-encoding"] ?? "") is not accepted; "
                              + "send uncompressed messages")
        }
        let timeout: UInt64?? = request.headers.withValue(named: "grpc-timeout") { v in v.map { GRPCMessage.timeoutMicroseconds($0) } }
        switch timeout {
        case .some(nil):
            throw GRPCFailure(.invalidArgument, "grpc-timeout \"\(request.headers["grpc-timeout"] ?? "")\" is not a timeout "
                              + "(up to 8 digits and a unit: H, M, S, m, u or n)")
        case .some(let us?) where request.receivedMs != 0 && (Clock.monotonicMs() - request.receivedMs) * 1000 >= us:
            // Scoring takes microseconds: only a request that arrived slower than its deadline misses it.
            throw GRPCFailure(.deadlineExceeded, "the call's deadline (grpc-timeout \(request.headers["grpc-timeout"] ?? "")) "
                              + "passed while its request was arriving")
        default:
            break
        }
        try request.body.withUnsafeBytes { body in
            Result { () throws(GRPCFailure) in _ = try GRPCMessage.unary(body, maxBytes: Int(Int32.max)) }
        }.get()
        return (method, request.body[5...])  // the one message after its prefix, not copied
    }

    /// The answer's message, framed.
    private func answer(_ method: Method, _ message: ArraySlice<UInt8>) throws(GRPCFailure) -> [UInt8] {
        switch method {
        case .ModelInfer:
            return try infer(message)
        case .ServerLive:
            return try GRPCInferenceService.encode(Inference_ServerLiveResponse.with { $0.live = true })
        case .ServerReady:
            return try GRPCInferenceService.encode(Inference_ServerReadyResponse.with {
                $0.ready = app.currentModel != nil && !app.isDraining
            })
        case .ServerMetadata:
            return try GRPCInferenceService.encode(Inference_ServerMetadataResponse.with {
                $0.name = "fraudscore"
                $0.version = "1"
                $0.extensions = ["binary_tensor_data"]
            })
        case .ModelReady:
            let r: Inference_ModelReadyRequest = try GRPCInferenceService.decode(message)
            _ = try resolve(r.name, r.version)
            return try GRPCInferenceService.encode(Inference_ModelReadyResponse.with { $0.ready = !app.isDraining })
        case .ModelMetadata:
            let r: Inference_ModelMetadataRequest = try GRPCInferenceService.decode(message)
            return try GRPCInferenceService.encode(metadata(try resolve(r.name, r.version)))
        }
    }

    private func infer(_ message: ArraySlice<UInt8>) throws(GRPCFailure) -> [UInt8] {
        let request: ModelInferWire.Request
        do throws(InferWireError) {
            request = try message.withUnsafeBytes { m in
                Result { () throws(InferWireError) in try ModelInferWire.decodeRequest(m) }
            }.get()
        } catch {
            throw GRPCFailure(.invalidArgument, error.message)
        }
        let serving = try resolve(request.modelName, request.modelVersion)
        guard !app.scoring.onlineFeatures else {
            throw GRPCFailure(.failedPrecondition, "with --feature-store, send transactions over REST (/predict, or "
                              + "/v2/models/\(serving.loaded.info.name)/infer with JSON tensors)")
        }
        let predictions: [Double]
        do throws(InferWireError) {
            try InferenceScoring.checkOutputs(request.infer)
            let (rows, count) = try InferenceScoring.rows(request.infer.inputs, features: serving.decoder.featureNames,
                                                         allowMissing: app.scoring.allowMissingFeatures)
            predictions = InferenceScoring.predict(serving, rows: rows, count: count)
        } catch {
            throw GRPCFailure(.invalidArgument, error.message)
        }
        var w = ProtoWriter(capacity: 101 + predictions.count * 8)
        w.bytes.append(contentsOf: [0, 0, 0, 0, 0])  // the frame's prefix, filled in below
        let info = serving.loaded.info
        predictions.withUnsafeBufferPointer {
            ModelInferWire.encodeResponse(modelName: info.name, modelVersion: info.version, id: request.infer.id,
                                          output: InferenceScoring.output, predictions: $0, into: &w)
        }
        GRPCMessage.writePrefix(&w.bytes)
        return w.bytes
    }

    /// The served model, if `name` (and `version`, when given) name it.
    private func resolve(_ name: String, _ version: String) throws(GRPCFailure) -> ServingModel {
        guard let serving = app.currentModel else { throw GRPCFailure(.unavailable, APIError.noModel) }
        let info = serving.loaded.info
        guard name == info.name else {
            throw GRPCFailure(.notFound, "Unknown model \"\(name)\"; this server serves \"\(info.name)\"")
        }
        guard version.isEmpty || version == info.version else {
            throw GRPCFailure(.notFound, "Unknown version \"\(version)\" of \"\(name)\"; serving \"\(info.version)\"")
        }
        return serving
    }

    private func metadata(_ serving: ServingModel) -> Inference_ModelMetadataResponse {
        let info = serving.loaded.info
        let features = serving.decoder.featureNames
        return Inference_ModelMetadataResponse.with { m in
            m.name = info.name
            m.versions = [info.version]
            m.platform = info.format.rawValue
            m.inputs = [.with { $0.name = InferenceScoring.matrixInput; $0.datatype = "FP64"; $0.shape = [-1, Int64(features.count)] }]
                + features.map { f in .with { $0.name = f; $0.datatype = "FP64"; $0.shape = [-1] } }
            m.outputs = [.with { $0.name = InferenceScoring.output; $0.datatype = "FP64"; $0.shape = [-1] }]
        }
    }

    private static func decode<M: SwiftProtobuf.Message>(_ message: ArraySlice<UInt8>) throws(GRPCFailure) -> M {
        do {
            return try M(serializedBytes: Array(message))
        } catch {
            throw GRPCFailure(.invalidArgument, "the \(M.protoMessageName) message does not parse: \(error)")
        }
    }

    /// `message` serialized and framed.
    private static func encode(_ message: some SwiftProtobuf.Message) throws(GRPCFailure) -> [UInt8] {
        do {
            return GRPCMessage.frame(try message.serializedBytes())
        } catch {
            throw GRPCFailure(.internalError, "could not encode \(type(of: message).protoMessageName): \(error)")
        }
    }

    // MARK: answers

    static func ok(framed: [UInt8]) -> HTTPResponse {
        var r = HTTPResponse(status: .ok, contentType: "application/grpc", headers: [("grpc-accept-encoding", "identity")],
                             body: framed)
        r.trailers = [("grpc-status", "0")]
        return r
    }

    /// An error: HTTP 200 with the status in the trailers (one HEADERS frame), counted in the
    /// metrics and the access log under the HTTP status that says the same.
    static func failure(_ f: GRPCFailure) -> HTTPResponse {
        var r = HTTPResponse(status: .ok, contentType: "application/grpc", headers: [("grpc-accept-encoding", "identity")])
        r.trailers = [("grpc-status", String(f.code.rawValue)), ("grpc-message", GRPCMessage.percentEncoded(f.message))]
        r.reportedStatus = HTTPStatus(f.code.httpEquivalent)
        return r
    }

    /// The server's own answers under the gRPC prefix (a body over --max-body-bytes, a request
    /// that did not arrive in time) as gRPC statuses. A request that is not gRPC keeps its HTTP answer.
    static func shapeServerAnswer(_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse {
        guard httpGate(request) == nil else { return response }
        let detail = (try? JSONValue.parse(response.body))?["detail"]?.stringValue ?? "HTTP status \(response.status.code)"
        switch response.status.code {
        case 413: return failure(GRPCFailure(.resourceExhausted, "\(detail) (the server's --max-body-bytes)"))
        case 408: return failure(GRPCFailure(.deadlineExceeded, detail))
        case 503: return failure(GRPCFailure(.unavailable, detail))
        default: return failure(GRPCFailure(.internalError, detail))
        }
    }

    /// Non-gRPC requests under the prefix: the HTTP answers the gRPC spec asks for.
    static func httpGate(_ request: HTTPRequest) -> HTTPResponse? {
        if request.version.major != 2 {
            return .detail(505, "gRPC needs HTTP/2 (h2c with prior knowledge, or TLS with ALPN h2); "
                           + "over HTTP/1.1 use the REST endpoints under /v2")
        }
        if request.method != .POST {
            return .detail(.methodNotAllowed, "gRPC calls are POST", headers: [("Allow", "POST")])
        }
        let grpc = request.headers.withValue(of: .contentType) { v in
            guard let v, v.count >= 16 else { return false }
            return v.prefix(16).elementsEqual("application/grpc".utf8)
                && (v.count == 16 || v[16] == UInt8(ascii: "+") || v[16] == UInt8(ascii: ";"))
        }
        return grpc ? nil : .detail(415, "gRPC requests have content-type application/grpc")
    }
}
