import HTTPServer
import JSON

/// `/health` (model details), `/health/live` (the process serves) and `/health/ready`
/// (a model is loaded and the server is not draining) for load balancers and Kubernetes probes.
struct HealthHandlers: Sendable {
    let app: FraudScoreApp

    func health(_ request: HTTPRequest) -> HTTPResponse {
        guard let serving = app.currentModel else {
            return HTTPResponse(status: 503, body: Array("{\"status\":\"unavailable\",\"reason\":\"no model loaded\"}".utf8))
        }
        let info = serving.loaded.info
        var w = JSONWriter()
        w.raw("{\"status\":\"ok\",\"model\":{\"name\":")
        w.string(info.name)
        w.raw(",\"version\":")
        w.string(info.version)
        w.raw(",\"format\":")
        w.string(info.format.rawValue)
        w.raw(",\"sha256\":")
        w.string(info.sha256)
        w.raw(",\"loaded_at\":")
        w.string(info.loadedAt)
        w.raw(",\"features\":")
        w.int(Int64(serving.loaded.model.featureNames.count))
        w.raw("},\"threshold\":")
        w.double(app.scoring.threshold)
        w.raw("}")
        return HTTPResponse(status: 200, body: w.bytes)
    }

    func live(_ request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: 200, body: Array("{\"status\":\"alive\"}".utf8))
    }

    func ready(_ request: HTTPRequest) -> HTTPResponse {
        if app.isDraining {
            return HTTPResponse(status: 503, body: Array("{\"status\":\"not_ready\",\"reason\":\"shutting down\"}".utf8))
        }
        if app.currentModel == nil {
            return HTTPResponse(status: 503, body: Array("{\"status\":\"not_ready\",\"reason\":\"no model loaded\"}".utf8))
        }
        return HTTPResponse(status: 200, body: Array("{\"status\":\"ready\"}".utf8))
    }
}
