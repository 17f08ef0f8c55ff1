import HTTPServer
import JSON
import ModelStore

/// `GET /models` (what serves, what was tried, what storage holds) and the admin endpoints that
/// steer the model manager: reload, pin, unpin, rollback. The admin endpoints exist only when an
/// admin token is configured and answer 401 without it as a Bearer token.
struct ModelAdminHandlers: Sendable {
    let app: FraudScoreApp

    static let noRepository = APIError.detail(.notFound, "No model repository is configured")

    func status(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        guard let manager = app.modelManager else { throw Self.noRepository }
        var w = JSONWriter(capacity: 1024)
        Self.write(manager.status(), into: &w)
        return HTTPResponse(status: 200, body: w.bytes)
    }

    func reload(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        try withManager(request) { $0.reload(); return (202, "reload requested") }
    }

    /// Body `{"version": 7}`.
    func pin(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        try withManager(request) { manager in
            guard let doc = try? JSONValue.parse(request.body),
                  let version = doc["version"]?.intValue ?? doc["version"]?.stringValue.flatMap({ Int($0) }) else {
                return (422, "send {\"version\": N}, N a version number of the repository")
            }
            do {
                return try manager.pin(version) ? (200, "version \(version) pinned and serving")
                    : (202, "version \(version) pinned; loading")
            } catch {
                return (409, "\(error)")
            }
        }
    }

    func unpin(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        try withManager(request) { $0.unpin(); return (202, "unpinned; following the highest complete version") }
    }

    func rollback(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        try withManager(request) { manager in
            do {
                let version = try manager.rollback()
                return (200, "rolled back to version \(version), now pinned; POST /admin/unpin to follow new versions again")
            } catch {
                return (409, "\(error)")
            }
        }
    }

    private func withManager(_ request: HTTPRequest, _ action: (ModelManager) -> (HTTPStatus, String)) throws(APIError)
        -> HTTPResponse {
        guard authorized(request) else {
            throw .detail(.unauthorized, "Send the admin token as Authorization: Bearer <token>",
                          headers: [("WWW-Authenticate", "Bearer realm=\"fraudscore-admin\"")])
        }
        guard let manager = app.modelManager else { throw Self.noRepository }
        let (status, message) = action(manager)
        var w = JSONWriter(capacity: 1024)
        w.member("{\"detail\":", message)
        w.raw(",\"models\":")
        Self.write(manager.status(), into: &w)
        w.raw("}")
        return HTTPResponse(status: status, body: w.bytes)
    }

    private func authorized(_ request: HTTPRequest) -> Bool {
        guard let token = app.adminToken, let header = request.headers["authorization"] else { return false }
        let prefix = "bearer "
        guard header.utf8.count > prefix.utf8.count,
              String(header.prefix(prefix.count)).lowercased() == prefix else { return false }
        return ConstantTime.equal(Array(header.utf8.dropFirst(prefix.utf8.count)), token)
    }

    static func write(_ s: ModelStoreStatus, into w: inout JSONWriter) {
        w.member("{\"source\":", s.source)
        w.raw(",\"poll_interval_ms\":")
        w.int(Int64(s.pollIntervalMs))
        w.raw(",\"current\":")
        writeServing(s.current, into: &w)
        w.raw(",\"previous\":")
        writeServing(s.previous, into: &w)
        w.raw(",\"pinned\":")
        if let p = s.pinned { w.int(Int64(p)) } else { w.null() }
        w.raw(",\"candidate\":")
        if let c = s.candidate {
            w.member("{\"version\":", c.version)
            w.member(",\"state\":", c.state.rawValue)
            w.raw(",\"reason\":")
            if let e = c.error { w.string(e.reason.rawValue) } else { w.null() }
            w.raw(",\"error\":")
            if let e = c.error { w.string(e.message) } else { w.null() }
            w.member(",\"at\":", c.at.iso8601)
            w.raw("}")
        } else {
            w.null()
        }
        w.member(",\"rollout\":{\"delay_ms\":", s.rolloutDelayMs)
        w.raw(",\"pending\":")
        if let p = s.pending {
            w.member("{\"version\":", p.version)
            w.member(",\"eligible_at\":", p.eligibleAt.iso8601)
            w.member(",\"in_ms\":", p.inMs)
            w.raw("}")
        } else {
            w.null()
        }
        w.raw("},\"available_versions\":[")
        for (i, v) in s.available.enumerated() {
            if i > 0 { w.raw(",") }
            w.int(Int64(v))
        }
        w.raw("],\"incomplete_versions\":[")
        for (i, v) in s.incomplete.enumerated() {
            if i > 0 { w.raw(",") }
            w.int(Int64(v))
        }
        w.raw("],\"last_poll\":{\"at\":")
        if let at = s.lastPollAt { w.string(at.iso8601) } else { w.null() }
        w.raw(",\"ok\":")
        w.bool(s.lastPollAt != nil && s.lastPollError == nil)
        w.raw(",\"reason\":")
        if let e = s.lastPollError { w.string(e.reason.rawValue) } else { w.null() }
        w.raw(",\"error\":")
        if let e = s.lastPollError { w.string(e.description) } else { w.null() }
        w.raw(",\"consecutive_errors\":")
        w.int(Int64(s.consecutivePollErrors))
        w.member("},\"swaps\":", s.swaps)
        w.raw(",\"gate\":")
        if let evidence = s.lastEvidence { evidence.write(into: &w) } else { w.null() }
        w.raw("}")
    }

    private static func writeServing(_ serving: ModelStoreStatus.Serving?, into w: inout JSONWriter) {
        guard let serving else { return w.null() }
        w.raw("{\"version\":")
        w.int(Int64(serving.version))
        w.member(",\"model_version\":", serving.info.version)
        w.member(",\"name\":", serving.info.name)
        w.member(",\"sha256\":", serving.info.sha256)
        w.member(",\"format\":", serving.info.format.rawValue)
        w.member(",\"activated_at\":", serving.activatedAt.iso8601)
        w.raw("}")
    }
}
