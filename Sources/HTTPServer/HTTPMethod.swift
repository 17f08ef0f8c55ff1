/// A request method. The registered ones the server routes and counts are cases; any other token
/// is kept as it came (`other`), answered 405 by the router and counted as "other" in metrics, so
/// a client cannot create label values.
public enum HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    case GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH
    case other(String)

    /// The method named by `token` (case-sensitive, RFC 9110 §9.1).
    public init(_ token: String) {
        switch token {
        case "GET": self = .GET
        case "HEAD": self = .HEAD
        case "POST": self = .POST
        case "PUT": self = .PUT
        case "DELETE": self = .DELETE
        case "OPTIONS": self = .OPTIONS
        case "PATCH": self = .PATCH
        default: self = .other(token)
        }
    }

    /// The method in a request line's bytes: the usual ones without building a String.
    init(_ token: UnsafeRawBufferPointer) {
        switch token.count {
        case 3 where token[0] == UInt8(ascii: "G") && token[1] == UInt8(ascii: "E") && token[2] == UInt8(ascii: "T"):
            self = .GET
        case 4 where token.loadUnaligned(as: UInt32.self) == 0x5453_4F50:  // "POST", little-endian
            self = .POST
        case 4 where token.loadUnaligned(as: UInt32.self) == 0x4441_4548:  // "HEAD"
            self = .HEAD
        default:
            self = HTTPMethod(String(decoding: token, as: UTF8.self))
        }
    }

    public var name: String {
        switch self {
        case .GET: "GET"
        case .HEAD: "HEAD"
        case .POST: "POST"
        case .PUT: "PUT"
        case .DELETE: "DELETE"
        case .OPTIONS: "OPTIONS"
        case .PATCH: "PATCH"
        case .other(let token): token
        }
    }

    public var description: String { name }

    /// The metrics label: the method, or "other" for unregistered tokens.
    var label: String {
        if case .other = self { return "other" }
        return name
    }
}
