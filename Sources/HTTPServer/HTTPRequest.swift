/// One parsed HTTP request, valid for the duration of a handler call.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path of the request target, without the query.
    public var path: String
    /// The query string after `?`, empty if none.
    public var query: String
    /// 1.0 or 1.1; HTTP/2 requests report 2.0.
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The id the server made for a request whose client sent no usable `X-Request-Id` (0 when it
    /// did): a plain number, so that requests carry no extra String. `id` is the full id.
    var generatedID: UInt64 = 0
    /// When the request began to arrive (monotonic ms; its HTTP/2 HEADERS), for deadlines that
    /// count from there (gRPC's `grpc-timeout`); 0 when not known.
    public internal(set) var receivedMs: UInt64 = 0

    /// The id the response carries in `X-Request-Id` and the access log shows: the client's when it
    /// sent a sane one, else the server's. Made on demand.
    public var id: RequestID {
        if generatedID == 0, let client = headers["x-request-id"], RequestTags.isSaneID(client) {
            return RequestID(client: client)
        }
        return RequestID(generated: generatedID)
    }

    public init(method: HTTPMethod, path: String, query: String = "", version: HTTPVersion = HTTPVersion(1, 1),
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
    }
}

/// An HTTP version, major and minor. A struct, not a tuple: a tuple field makes every copy and
/// destroy of a request go through the runtime's generic tuple witnesses.
public struct HTTPVersion: Sendable, Equatable {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }
}

/// Header fields in arrival order. Names compare case-insensitively (ASCII).
///
/// Stored as bytes: names and values back to back in one array, with their ranges in another, so
/// parsing a request builds no String; a handler that asks for a value gets one then.
public struct HTTPHeaders: Sendable, Sequence {
    private struct Field: Sendable {
        var nameStart: Int32
        var nameCount: Int32
        var valueStart: Int32
        var valueCount: Int32
    }

    private var text: [UInt8] = []
    private var fields: [Field] = []
    /// The first Content-Type, X-Request-Id and traceparent fields (-1: none), noted as fields are
    /// added: the request path looks each up on every request, and an index beats a scan.
    private var contentTypeAt: Int32 = -1, requestIDAt: Int32 = -1, traceparentAt: Int32 = -1

    public init() {}

    /// Empty, with room for `fields` fields of `bytes` bytes in all (no regrowth while a request's
    /// fields arrive).
    init(reservingFields fields: Int, bytes: Int) {
        text.reserveCapacity(bytes)
        self.fields.reserveCapacity(fields)
    }

    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { add(name: name, value: value) }
    }

    public mutating func add(name: String, value: String) {
        var name = name, value = value
        name.withUTF8 { n in value.withUTF8 { v in add(name: UnsafeRawBufferPointer(n), value: UnsafeRawBufferPointer(v)) } }
    }

    mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let start = text.count
        text.append(contentsOf: name)
        text.append(contentsOf: value)
        fields.append(Field(nameStart: Int32(start), nameCount: Int32(name.count),
                            valueStart: Int32(start + name.count), valueCount: Int32(value.count)))
        note(name)
    }

    /// Notes the field just added if it is the first of a name looked up by index.
    @inline(__always)
    private mutating func note(_ name: UnsafeRawBufferPointer) {
        let at = Int32(fields.count - 1)
        switch IndexedField(name: name) {
        case .contentType? where contentTypeAt < 0: contentTypeAt = at
        case .requestID? where requestIDAt < 0: requestIDAt = at
        case .traceparent? where traceparentAt < 0: traceparentAt = at
        default: break
        }
    }

    /// Keeps a copy of `bytes` (a request's header block) for fields to point into with
    /// `addField`: one copy for all of them instead of two per field. Returns where it starts.
    mutating func keep(_ bytes: UnsafeRawBufferPointer) -> Int {
        let start = text.count
        text.append(contentsOf: bytes)
        return start
    }

    /// A field whose name and value lie in what `keep` copied (offsets into the kept text).
    /// (The parser's heads are below 2 GiB: the offsets fit Int32.)
    @inline(__always)
    mutating func addField(name: Range<Int>, value: Range<Int>) {
        fields.append(Field(nameStart: Int32(truncatingIfNeeded: name.lowerBound), nameCount: Int32(truncatingIfNeeded: name.count),
                            valueStart: Int32(truncatingIfNeeded: value.lowerBound),
                            valueCount: Int32(truncatingIfNeeded: value.count)))
        if name.count == 11 || name.count == 12 {
            text.withUnsafeBytes { note(UnsafeRawBufferPointer(rebasing: $0[name])) }
        }
    }

    public var count: Int { fields.count }

    /// Empties the fields, keeping the storage for the next request's (when nothing else holds it).
    mutating func removeAll() {
        text.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        contentTypeAt = -1; requestIDAt = -1; traceparentAt = -1
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        withValue(name) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Calls `body` with the bytes of the first value of `name` (nil if absent), without making a String.
    public func withValue<R>(_ name: String, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        var name = name
        return name.withUTF8 { withValue(bytes: UnsafeRawBufferPointer($0), body) }
    }

    /// The fields the request path reads on every request, found by index (no name compare).
    public enum IndexedField: Sendable {
        case contentType, requestID, traceparent

        /// The indexed field `name` names (any case), or nil.
        @inline(__always)
        init?(name: UnsafeRawBufferPointer) {
            guard name.count == 11 || name.count == 12 else { return nil }
            if HTTPHeaders.equalsIgnoringCase(name, "content-type") {
                self = .contentType
            } else if HTTPHeaders.equalsIgnoringCase(name, "x-request-id") {
                self = .requestID
            } else if HTTPHeaders.equalsIgnoringCase(name, "traceparent") {
                self = .traceparent
            } else {
                return nil
            }
        }
    }

    /// Calls `body` with the bytes of the first Content-Type, X-Request-Id or traceparent field
    /// (nil if absent).
    @inline(__always)
    public func withValue<R>(of field: IndexedField, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        let at: Int32
        switch field {
        case .contentType: at = contentTypeAt
        case .requestID: at = requestIDAt
        case .traceparent: at = traceparentAt
        }
        guard at >= 0 else { return body(nil) }
        let f = fields[Int(at)]
        return text.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[Int(f.valueStart)..<Int(f.valueStart + f.valueCount)])) }
    }

    /// As `withValue(_:_:)` for a name known at compile time: no String, no extra closures (the
    /// three names of `IndexedField` are found by index).
    /// `name` is lowercase letters, digits and dashes (compared eight bytes at a time).
    public func withValue<R>(named name: StaticString, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        if let field = IndexedField(name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)) {
            return withValue(of: field, body)
        }
        return text.withUnsafeBytes { all in
            let n = name.utf8CodeUnitCount
            for f in fields where Int(f.nameCount) == n {
                let start = Int(f.nameStart), value = Int(f.valueStart)
                if HTTPHeaders.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: all[start..<(start + n)]), name) {
                    return body(UnsafeRawBufferPointer(rebasing: all[value..<(value + Int(f.valueCount))]))
                }
            }
            return body(nil)
        }
    }

    private func withValue<R>(bytes wanted: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        text.withUnsafeBytes { all in
            for f in fields where Int(f.nameCount) == wanted.count {
                let start = Int(f.nameStart), value = Int(f.valueStart)
                if HTTPHeaders.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: all[start..<(start + wanted.count)]), wanted) {
                    return body(UnsafeRawBufferPointer(rebasing: all[value..<(value + Int(f.valueCount))]))
                }
            }
            return body(nil)
        }
    }

    public func makeIterator() -> AnyIterator<(name: String, value: String)> {
        var i = 0
        return AnyIterator {
            guard i < fields.count else { return nil }
            let f = fields[i]
            i += 1
            return text.withUnsafeBytes { all in
                (String(decoding: UnsafeRawBufferPointer(rebasing: all[Int(f.nameStart)..<Int(f.nameStart + f.nameCount)]), as: UTF8.self),
                 String(decoding: UnsafeRawBufferPointer(rebasing: all[Int(f.valueStart)..<Int(f.valueStart + f.valueCount)]),
                        as: UTF8.self))
            }
        }
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in equalsIgnoringCase(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    @inline(__always)
    static func equalsIgnoringCase(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        guard x.count == y.count else { return false }
        for i in 0..<x.count where lower(x[i]) != lower(y[i]) { return false }
        return true
    }

    /// `x` equals `name` ignoring ASCII case. `name` is lowercase letters, digits, dashes and colons; `x`
    /// holds no control bytes (a checked field name or value): OR-ing 0x20 then folds exactly the
    /// letters, so eight bytes compare at a time.
    @inline(__always)
    static func equalsIgnoringCase(_ x: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        guard x.count == n else { return false }
        let y = UnsafeRawPointer(name.utf8Start)
        guard n >= 8 else {
            for i in 0..<n where lower(x[i]) != y.load(fromByteOffset: i, as: UInt8.self) { return false }
            return true
        }
        let fold: UInt64 = 0x2020_2020_2020_2020
        var k = 0
        while k + 8 <= n {
            if x.loadUnaligned(fromByteOffset: k, as: UInt64.self) | fold != y.loadUnaligned(fromByteOffset: k, as: UInt64.self) {
                return false
            }
            k += 8
        }
        // The last, partial word: the final eight bytes, overlapping the previous word.
        return k == n || x.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) | fold
            == y.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 {
        c &- 65 < 26 ? c | 0x20 : c
    }
}
