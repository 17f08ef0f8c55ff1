/// A response produced by a handler. The server adds Date, Content-Length and Connection.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [],
                body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A JSON body `{"detail": message}`: the shape FastAPI uses for errors that are not per-field.
    public static func detail(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
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

/// Reason phrases for the status codes the server sends.
enum HTTPStatus {
    static func reason(_ code: Int) -> String {
        switch code {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 409: return "Conflict"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(code)"
        }
    }
}
