/// Maps method and exact path to a handler; a plain table, built before the server starts.
/// An unknown path is 404; a known path with another method is 405 with `Allow`.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    private var routes: [String: [(method: String, handler: Handler)]] = [:]
    /// Routes that match every path under a prefix (e.g. `/v2/models/`), tried when no exact path does.
    private var prefixes: [(prefix: String, methods: [String], handler: Handler)] = []

    public init() {}

    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes[path, default: []].append((method, handler))
    }

    /// Adds a handler for every path that starts with `prefix`; it sees the full path and answers
    /// 404/405 itself for what it does not serve. `methods` is what a 405 from the router lists.
    public mutating func addPrefix(_ prefix: String, methods: [String], _ handler: @escaping Handler) {
        prefixes.append((prefix, methods, handler))
    }

    /// What a probe port serves by default: liveness, readiness and metrics.
    public static let probePaths: Set<String> = ["/health", "/health/live", "/health/ready", "/metrics", "/ping",
                                                 "/v2/health/live", "/v2/health/ready"]

    /// The same handlers for `paths` only (no prefix routes): e.g. a plain probe port beside TLS.
    public func only(paths: Set<String>) -> Router {
        var copy = Router()
        copy.routes = routes.filter { paths.contains($0.key) }
        return copy
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        route(request).response
    }

    /// The response and the route it matched (the path, or "unmatched"), for metrics labels
    /// that clients cannot multiply.
    public func route(_ request: HTTPRequest) -> (response: HTTPResponse, route: String) {
        guard let candidates = routes[request.path] else {
            for p in prefixes where request.path.hasPrefix(p.prefix) {
                return (p.handler(request), p.prefix + "*")
            }
            return (.detail(404, "Not Found"), "unmatched")
        }
        for c in candidates where c.method == request.method {
            return (c.handler(request), request.path)
        }
        // HEAD is answered like GET without a body (RFC 9110 §9.3.2).
        if request.method == "HEAD", let get = candidates.first(where: { $0.method == "GET" }) {
            return (get.handler(request), request.path)  // the connection omits the body, keeps Content-Length
        }
        var allowed = candidates.map(\.method)
        if allowed.contains("GET") { allowed.append("HEAD") }
        return (.detail(405, "Method Not Allowed", headers: [("Allow", allowed.joined(separator: ", "))]), request.path)
    }
}
