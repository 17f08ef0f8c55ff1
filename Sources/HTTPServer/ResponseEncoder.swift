/// Serialises HTTP/1.1 responses into a connection's output buffer.
enum ResponseEncoder {
    /// `date` and `server` are whole header lines, CRLF included (`server` may be empty: none).
    static func encode(_ response: HTTPResponse, into out: inout [UInt8], date: [UInt8], server: [UInt8],
                       keepAlive: Bool, http10: Bool, omitBody: Bool, tags: RequestTags? = nil) {
        appendStatusLine(response.status, into: &out)
        out.append(contentsOf: date)
        out.append(contentsOf: server)
        if !response.contentType.isEmpty {
            append("Content-Type: ", into: &out)
            var ct = response.contentType
            ct.withUTF8 { out.append(contentsOf: $0) }
            append("\r\n", into: &out)
        }
        append("Content-Length: ", into: &out)
        appendDecimal(response.body.count, into: &out)
        append("\r\n", into: &out)
        if !keepAlive {
            append("Connection: close\r\n", into: &out)
        } else if http10 {
            append("Connection: keep-alive\r\n", into: &out)
        }
        for (name, value) in response.headers {
            var n = name, v = value
            n.withUTF8 { out.append(contentsOf: $0) }
            append(": ", into: &out)
            v.withUTF8 { out.append(contentsOf: $0) }
            append("\r\n", into: &out)
        }
        if let tags {
            append("X-Request-Id: ", into: &out)
            tags.appendID(into: &out)
            append("\r\n", into: &out)
            if !tags.traceparent.isEmpty {
                var tp = tags.traceparent
                append("traceparent: ", into: &out)
                tp.withUTF8 { out.append(contentsOf: $0) }
                append("\r\n", into: &out)
            }
        }
        append("\r\n", into: &out)
        if !omitBody { out.append(contentsOf: response.body) }
    }

    static func appendStatusLine(_ status: HTTPStatus, into out: inout [UInt8]) {
        switch status.code {
        case 200: append("HTTP/1.1 200 OK\r\n", into: &out)
        case 422: append("HTTP/1.1 422 Unprocessable Content\r\n", into: &out)
        default:
            append("HTTP/1.1 ", into: &out)
            appendDecimal(status.code, into: &out)
            out.append(0x20)
            out.append(contentsOf: status.reason.utf8)
            append("\r\n", into: &out)
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
