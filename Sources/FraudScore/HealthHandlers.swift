import HTTPServer
import JSON

/// `/health` (model details), `/health/live` (the process serves) and `/health/ready`
/// (a model is loaded and the server is not draining) for load balancers and Kubernetes probes.
struct HealthHandlers: Sendable {
    let app: FraudScoreApp

    func health(_ request: HTTPRequest) -> HTTPResponse {
        guard let serving = app.currentModel else {
            var w = JSONWriter()
            w.member("{\"status\":\"unavailable\",\"reason\":", notReadyReason())
            writeModelStore(into: &w)
            w.raw("}")
            return HTTPResponse(status: 503, body: w.bytes)
        }
        let info = serving.loaded.info
        var w = JSONWriter()
        w.member("{\"status\":\"ok\",\"model\":{\"name\":", info.name)
        w.member(",\"version\":", info.version)
        w.member(",\"format\":", info.format.rawValue)
        w.member(",\"sha256\":", info.sha256)
        w.member(",\"loaded_at\":", info.loadedAt.iso8601)
        w.raw(",\"features\":")
        w.int(Int64(serving.loaded.model.featureNames.count))
        if let registered = info.registered {
            w.member(",\"registry\":{\"name\":", registered.name)
            w.raw(",\"version\":")
            w.int(Int64(registered.version))
            if let alias = registered.alias { w.member(",\"alias\":", alias) }
            if let run = registered.runID { w.member(",\"run_id\":", run) }
            w.raw("}")
        }
        w.raw("},\"threshold\":")
        w.double(serving.threshold)
        if let canary = app.canary, let info = canary.snapshot.model?.loaded.info {
            let rollback = canary.snapshot.rollback
            w.member(",\"canary\":{\"name\":", info.name)
            w.member(",\"version\":", info.version)
            w.raw(",\"percent\":")
            w.double(canary.config.percent)
            w.member(",\"state\":", rollback == nil ? "live" : "rolled_back")
            if let rollback {
                w.member(",\"reason\":", rollback.reason.rawValue)
                w.member(",\"detail\":", rollback.detail)
            }
            w.raw("}")
        }
        if let shadow = app.shadow?.currentModel?.loaded.info {
            w.member(",\"shadow\":{\"name\":", shadow.name)
            w.member(",\"version\":", shadow.version)
            w.raw("}")
        }
        if let features = app.features {
            w.member(",\"feature_store\":{\"store\":", features.store.name)
            w.raw(",\"up\":")
            let reason = features.store.unavailableReason
            w.bool(reason == nil)
            if let reason { w.member(",\"reason\":", reason) }
            if let c = features.store.counts {
                w.member(",\"customers\":", c.customers)
                w.member(",\"terminals\":", c.terminals)
                w.member(",\"transactions\":", c.transactions)
            }
            w.raw("}")
        }
        writeModelStore(into: &w)
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
            var w = JSONWriter()
            w.member("{\"status\":\"not_ready\",\"reason\":", notReadyReason())
            w.raw("}")
            return HTTPResponse(status: 503, body: w.bytes)
        }
        // With --on-store-error score-without-history the replica still answers: it stays ready.
        if let features = app.features, features.policy == .reject, let reason = features.store.unavailableReason {
            var w = JSONWriter()
            w.member("{\"status\":\"not_ready\",\"reason\":", "feature store unavailable: " + reason)
            w.raw("}")
            return HTTPResponse(status: 503, body: w.bytes)
        }
        return HTTPResponse(status: 200, body: Array("{\"status\":\"ready\"}".utf8))
    }

    /// Why no model serves: the last storage error or rejected version, when a repository is polled.
    private func notReadyReason() -> String {
        app.modelManager?.status().notReadyReason ?? "no model loaded"
    }

    /// `,"models":{…}`, the model manager's state (as GET /models), when a repository is polled.
    private func writeModelStore(into w: inout JSONWriter) {
        guard let manager = app.modelManager else { return }
        w.raw(",\"models\":")
        ModelAdminHandlers.write(manager.status(), into: &w)
    }
}
