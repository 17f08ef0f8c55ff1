/// A response produced by a handler. The server adds Date, Content-Length and Connection.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

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
