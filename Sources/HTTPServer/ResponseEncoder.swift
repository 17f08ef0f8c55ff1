#if canImport(Glibc)
import Glibc
#endif

/// Serialises HTTP/1.1 responses into a connection's output buffer.
enum ResponseEncoder {
    /// `date` and `server` are whole header lines, CRLF included (`server` may be empty: none).
    /// The head is written into scratch memory sized for it and appended in one copy (each append
    /// to an array costs more than the bytes it copies), then the body.
    static func encode(_ response: HTTPResponse, into out: inout [UInt8], date: [UInt8], server: [UInt8],
                       keepAlive: Bool, http10: Bool, omitBody: Bool, tags: RequestTags? = nil) {
        var bound = 160 + date.count + server.count + response.contentType.utf8.count
        for (name, value) in response.headers { bound += name.utf8.count + value.utf8.count + 4 }
        if let tags { bound += 48 + tags.clientID.utf8.count + tags.traceparent.utf8.count }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { scratch in
            var w = HeadWriter(scratch.baseAddress!)
            writeStatusLine(response.status, into: &w)
            w.write(date)
            w.write(server)
            if !response.contentType.isEmpty {
                w.write("Content-Type: ")
                w.write(string: response.contentType)
                w.write("\r\n")
            }
            w.write("Content-Length: ")
            w.decimal(response.body.count)
            w.write("\r\n")
            if !keepAlive {
                w.write("Connection: close\r\n")
            } else if http10 {
                w.write("Connection: keep-alive\r\n")
            }
            for (name, value) in response.headers {
                w.write(string: name)
                w.write(": ")
                w.write(string: value)
                w.write("\r\n")
            }
            if let tags {
                w.write("X-Request-Id: ")
                tags.writeID(into: &w)
                w.write("\r\n")
                if !tags.traceparent.isEmpty {
                    w.write("traceparent: ")
                    w.write(string: tags.traceparent)
                    w.write("\r\n")
                }
            }
            w.write("\r\n")
            precondition(w.count <= bound, "response head larger than its bound")
            out.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress, count: w.count))
        }
        if !omitBody { out.append(contentsOf: response.body) }
    }

    private static func writeStatusLine(_ status: HTTPStatus, into w: inout HeadWriter) {
        switch status.code {
        case 200: w.write("HTTP/1.1 200 OK\r\n")
        case 422: w.write("HTTP/1.1 422 Unprocessable Content\r\n")
        default:
            w.write("HTTP/1.1 ")
            w.decimal(status.code)
            w.write(" ")
            w.write(string: status.reason)
            w.write("\r\n")
        }
    }

    @inline(__always)
    static func append(_ s: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    static func appendDecimal(_ v: Int, into out: inout [UInt8]) {
        if v >= 10 { appendDecimal(v / 10, into: &out) }
        out.append(UInt8(48 + v % 10))
    }
}

/// Bytes written one after another into scratch memory the caller sized for them.
struct HeadWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always)
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        memcpy(base + count, source, bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func write(_ s: StaticString) {
        write(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// A String's bytes. Named apart from `write(_: StaticString)`: with both as `write(_:)`, a
    /// literal would pick this one (String is the default literal type) and pay for a String.
    mutating func write(string s: String) {
        var s = s
        s.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// `v` (not negative) in decimal.
    @inline(__always)
    mutating func decimal(_ v: Int) {
        var digits = 1, rest = v / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var x = v, k = digits
        repeat {
            k -= 1
            base[count + k] = UInt8(48 + x % 10)
            x /= 10
        } while k > 0
        count += digits
    }
}
