/// What the dispatcher keeps of a request from the moment it is routed until its answer is counted
/// and logged: the request's identity, its ids and when it started. A value: the usual request,
/// answered in the turn it was read, never allocates one.
struct RequestRecord {
    /// The wire protocol, for the access log's `protocol` field.
    enum WireProtocol {
        case http10, http11, http2

        var name: String {
            switch self {
            case .http10: "HTTP/1.0"
            case .http11: "HTTP/1.1"
            case .http2: "HTTP/2"
            }
        }
    }

    var method: HTTPMethod
    var path: String
    var wire: WireProtocol
    var bytesIn: Int
    var tags: RequestTags
    /// The metrics label: the matched route, "unmatched", or "none" for a limit's answer.
    var route: String = "none"
    /// Monotonic seconds when routing began.
    var started: Double
}
