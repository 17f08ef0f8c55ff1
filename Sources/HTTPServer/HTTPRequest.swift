/// One parsed HTTP request, valid for the duration of a handler call.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path of the request target, without the query.
    public var path: String
    /// The query string after `?`, empty if none.
    public var query: String
    /// 1.0 or 1.1 as (major, minor); HTTP/2 requests report (2, 0).
    public var version: (major: Int, minor: Int)
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", version: (major: Int, minor: Int) = (1, 1),
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
    }
}

/// Header fields in arrival order. Names compare case-insensitively (ASCII).
public struct HTTPHeaders: Sendable, Sequence {
    private var fields: [(name: String, value: String)] = []

    public init() {}

    /// Room for `capacity` fields in one allocation (the parser's usual case).
    init(capacity: Int) {
        fields.reserveCapacity(capacity)
    }

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
    }

    public mutating func add(name: String, value: String) {
        fields.append((name, value))
    }

    public var count: Int { fields.count }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        for f in fields where HTTPHeaders.equalsIgnoringCase(f.name, name) { return f.value }
        return nil
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count where lower(x[i]) != lower(y[i]) { return false }
                return true
            }
        }
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 {
        c &- 65 < 26 ? c | 0x20 : c
    }
}
