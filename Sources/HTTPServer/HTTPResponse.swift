/// A response produced by a handler. The server adds Date, Content-Length and Connection.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Fields sent after the body (HTTP/2 only; gRPC's status). A response with trailers has no
    /// Content-Length; one with trailers and no body is a single HEADERS frame (gRPC's
    /// "Trailers-Only").
    public var trailers: [(String, String)] = []
    /// The status the request metrics and the access log count this answer under, when the wire
    /// status does not tell (a gRPC error travels in a 200); nil: `status`.
    public var reportedStatus: HTTPStatus? = nil
    /// The body's storage is this response's alone (built for it, e.g. from `SpareBytes.take`):
    /// once written, the event loop keeps it as its thread's spare for the next response.
    public var bodyIsSpare = false

    public init(status: HTTPStatus, contentType: String = "application/json", headers: [(String, String)] = [],
                body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A JSON body `{"detail": message}`: the shape FastAPI uses for errors that are not per-field.
    public static func detail(_ status: HTTPStatus, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
        var body: [UInt8] = Array("{\"detail\":\"".utf8)
        for b in message.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): body.append(UInt8(ascii: "\\")); body.append(b)
            case 0..<0x20: body.append(UInt8(ascii: " "))
            default: body.append(b)
            }
        }
        body.append(contentsOf: "\"}".utf8)
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
