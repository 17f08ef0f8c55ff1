/// Maps method and exact path to a handler; a plain table, built before the server starts.
/// An unknown path is 404; a known path with another method is 405 with `Allow`.
///
/// A handler answers in the call (`Handler`), or later through a `Responder` (`DeferredHandler`):
/// for work that waits on something else, such as a feature store's reply or another thread.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    public typealias DeferredHandler = @Sendable (HTTPRequest, Responder) -> Void

    /// What a request resolves to.
    enum Target {
        case handler(Handler)
        case deferred(DeferredHandler)
        /// The router's own answer (404, 405).
        case response(HTTPResponse)
    }

    /// Exact paths with their length in UTF-8 bytes and their handlers per method. A list, not a
    /// dictionary: for the few dozen routes a server has, comparing lengths and then bytes costs a
    /// fraction of hashing the request's path.
    private var routes: [Route] = []

    /// Structs, not tuples: a tuple element makes every copy go through the runtime's generic
    /// tuple witnesses.
    private struct Candidate {
        let method: HTTPMethod
        let target: Target
    }

    private struct Route {
        let path: String
        let length: Int
        var candidates: [Candidate]
    }
    /// Routes that match every path under a prefix (e.g. `/v2/models/`), tried when no exact path does.
    private var prefixes: [(prefix: String, target: Target)] = []
    /// How the server's own answers (a limit's 413, a timeout's 408) look under a prefix whose
    /// protocol is not plain HTTP (gRPC carries its errors in trailers).
    private var shapes: [(prefix: String, shape: @Sendable (HTTPRequest, HTTPResponse) -> HTTPResponse)] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        add(path, method, .handler(handler))
    }

    /// A route whose handler answers through the `Responder` it is given, now or later.
    public mutating func addDeferred(_ method: HTTPMethod, _ path: String, _ handler: @escaping DeferredHandler) {
        add(path, method, .deferred(handler))
    }

    private mutating func add(_ path: String, _ method: HTTPMethod, _ target: Target) {
        if let i = routes.firstIndex(where: { $0.path == path }) {
            routes[i].candidates.append(Candidate(method: method, target: target))
        } else {
            routes.append(Route(path: path, length: path.utf8.count, candidates: [Candidate(method: method, target: target)]))
        }
    }

    /// The handlers for exactly `path`, nil if it has none.
    @inline(__always)
    private func candidates(_ path: String) -> [Candidate]? {
        let length = path.utf8.count
        for r in routes where r.length == length && r.path == path { return r.candidates }
        return nil
    }

    /// Adds a handler for every path that starts with `prefix`, whatever the method; it sees the
    /// full path and answers 404/405 itself for what it does not serve.
    public mutating func addPrefix(_ prefix: String, _ handler: @escaping Handler) {
        prefixes.append((prefix, .handler(handler)))
    }

    /// The same for a handler that answers through its `Responder`.
    public mutating func addPrefixDeferred(_ prefix: String, _ handler: @escaping DeferredHandler) {
        prefixes.append((prefix, .deferred(handler)))
    }

    /// Rewrites the server's own answers to requests under `prefix` (limits, timeouts) in the
    /// protocol spoken there.
    public mutating func shapeServerAnswers(under prefix: String,
                                            _ shape: @escaping @Sendable (HTTPRequest, HTTPResponse) -> HTTPResponse) {
        shapes.append((prefix, shape))
    }

    /// A server answer to `request`, in its route's protocol.
    func shaped(_ response: HTTPResponse, for request: HTTPRequest) -> HTTPResponse {
        for s in shapes where request.path.hasPrefix(s.prefix) { return s.shape(request, response) }
        return response
    }

    /// The same handlers for `paths` only (no prefix routes): e.g. a plain probe port beside TLS.
    public func only(paths: Set<String>) -> Router {
        var copy = Router()
        copy.routes = routes.filter { paths.contains($0.path) }
        return copy
    }

    /// The target for a request, and the route's metrics label (the path, the prefix and `*`, or
    /// "unmatched"), which clients cannot multiply.
    func resolve(_ method: HTTPMethod, _ path: String) -> (Target, route: String) {
        guard let candidates = candidates(path) else {
            for p in prefixes where path.hasPrefix(p.prefix) {
                return (p.target, p.prefix + "*")
            }
            return (.response(.detail(.notFound, "Not Found")), "unmatched")
        }
        for c in candidates where c.method == method {
            return (c.target, path)
        }
        // HEAD is answered like GET; the connection omits the body and keeps Content-Length (RFC 9110 §9.3.2).
        if method == .HEAD, let get = candidates.first(where: { $0.method == .GET }) {
            return (get.target, path)
        }
        var allowed = candidates.map(\.method.name)
        if allowed.contains("GET") { allowed.append("HEAD") }
        return (.response(.detail(.methodNotAllowed, "Method Not Allowed", headers: [("Allow", allowed.joined(separator: ", "))])),
                path)
    }
}
